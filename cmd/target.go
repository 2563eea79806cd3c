package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/dbdriver"
)

// DefaultDatabase is the embedded default database, under the module root.
const DefaultDatabase = ".data/plugmig.db"

// Target is the database a command works on and which plugins are enabled
// in it. Shared by apply, status, history, baseline and plugin remove.
type Target struct {
	URL         string        `env:"DATABASE_URL" placeholder:"URL" help:"Database: sqlite://path.db, postgres://user@host:5432/db?sslmode=disable or mysql://user@host:3306/db (default: sqlite://${default_db} in the module root)."`
	Plugins     []string      `placeholder:"P" help:"Enabled plugins, in plugmig.json as \"plugins\" (default: every registered plugin; \"none\" for none)."`
	LockTimeout time.Duration `default:"1m" help:"How long to wait for another run's migration lock."`
	FromRoot    bool          `help:"Read the migration folders under --root instead of those built into the binary."`
}

// open connects to the target database and builds its Migrator. Close the
// returned database when done.
func (t *Target) open(ctx context.Context, a *App) (*apply.Migrator, *sql.DB, string, error) {
	url := t.URL
	if url == "" {
		root, err := a.ModuleRoot()
		if err != nil {
			return nil, nil, "", fmt.Errorf("%w (or pass --url)", err)
		}
		path := filepath.Join(root, DefaultDatabase)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, nil, "", err
		}
		url = "sqlite://" + path
	}
	target, db, err := dbdriver.Open(ctx, url)
	if err != nil {
		return nil, nil, "", err
	}
	comp, err := a.Composer()
	if err != nil {
		db.Close()
		return nil, nil, "", err
	}
	sources := app.Sources()
	if t.FromRoot {
		root, err := a.ModuleRoot()
		if err != nil {
			db.Close()
			return nil, nil, "", err
		}
		sources = app.DiskSources(root)
	}
	opts := []apply.Option{
		apply.WithLockTimeout(t.LockTimeout),
		apply.WithProgress(a.Stderr),
		apply.WithSQLiteFile(target.Database),
		apply.WithScratchURL(url),
	}
	if len(t.Plugins) > 0 {
		enabled := t.Plugins
		if len(enabled) == 1 && enabled[0] == "none" {
			enabled = nil
		}
		opts = append(opts, apply.WithEnabled(enabled...))
	}
	m, err := apply.New(db, target.Dialect, comp, sources, opts...)
	if err != nil {
		db.Close()
		return nil, nil, "", err
	}
	return m, db, dbdriver.Redact(url), nil
}
