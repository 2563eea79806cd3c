package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/plan"
	"github.com/plugmig/plugmig/internal/app"
)

// Globals are the flags every command takes. Each may also come from the
// environment or from plugmig.json at the module root (keys are the flag
// names, e.g. {"dialects": ["sqlite", "postgres"]}).
type Globals struct {
	Root     string            `env:"PLUGMIG_ROOT" placeholder:"DIR" help:"Module root holding migrations/ and plugins/ (default: the folder of the nearest go.mod)."`
	Dialects []string          `env:"PLUGMIG_DIALECTS" default:"sqlite,postgres,mysql" enum:"sqlite,postgres,mysql" placeholder:"D" help:"Dialects the project keeps migrations for (${default})."`
	DevURL   map[string]string `name:"dev-url" placeholder:"DIALECT=URL" help:"Dev database server for a dialect, where a scratch database is created and dropped (e.g. postgres=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable); default from DEV_URL_POSTGRES / DEV_URL_MYSQL. SQLite uses memory."`
}

// App is what every command runs against: this application's branches, the
// global flags and the output streams.
type App struct {
	Globals
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	rootErr error // why the module root could not be found, if it could not

	compOnce sync.Once // the composer is built once, shared by a fleet's targets
	comp     *compose.Composer
	compErr  error
}

// ModuleRoot returns the module root, or why it is unknown.
func (a *App) ModuleRoot() (string, error) { return a.Root, a.rootErr }

// Composer builds the composer of this application's branches.
func (a *App) Composer() (*compose.Composer, error) {
	a.compOnce.Do(func() { a.comp, a.compErr = app.Composer() })
	return a.comp, a.compErr
}

// Project returns the application's branches rooted at the module root.
func (a *App) Project() (*plan.Project, error) {
	root, err := a.ModuleRoot()
	if err != nil {
		return nil, err
	}
	comp, err := a.Composer()
	if err != nil {
		return nil, err
	}
	return &plan.Project{Root: root, Composer: comp}, nil
}

// Workspace returns the project and a scratch database per configured
// dialect, for the commands that replay history. Call closeDevs when done.
func (a *App) Workspace(ctx context.Context) (proj *plan.Project, devs map[string]*devdb.DB, closeDevs func(), err error) {
	if proj, err = a.Project(); err != nil {
		return nil, nil, nil, err
	}
	if err := app.CheckGenerated(proj.Root); err != nil {
		return nil, nil, nil, err
	}
	devs, closeDevs, err = a.DevDBs(ctx)
	return proj, devs, closeDevs, err
}

// DevDBs opens a scratch database per configured dialect. Close them with
// the returned function.
func (a *App) DevDBs(ctx context.Context) (map[string]*devdb.DB, func(), error) {
	dbs := map[string]*devdb.DB{}
	closeAll := func() {
		for _, db := range dbs {
			db.Close()
		}
	}
	urls := devdb.URLs(a.DevURL)
	var errs []error
	for _, d := range a.Dialects {
		url, err := urls.Lookup(d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		db, err := devdb.Open(ctx, d, url)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		dbs[d] = db
	}
	if err := errors.Join(errs...); err != nil {
		closeAll()
		return nil, nil, err
	}
	return dbs, closeAll, nil
}

// findRoot returns the nearest folder at or above dir holding go.mod.
func findRoot(dir string) (string, error) {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod in %s or above: run plugmig from the application's module, or pass --root", dir)
		}
		d = parent
	}
}

// printJSON writes v as indented JSON, for --json.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// branches returns the project and its branches, core first.
func (a *App) branches() (*plan.Project, []string, error) {
	proj, err := a.Project()
	if err != nil {
		return nil, nil, err
	}
	bs, err := proj.Composer.Branches()
	return proj, bs, err
}
