package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/dbdriver"
)

// DefaultDatabase is the embedded default database, under the module root.
const DefaultDatabase = ".data/plugmig.db"

// Target is the database a command works on and which plugins are enabled
// in it. Shared by apply, status, history, baseline and plugin remove.
type Target struct {
	URL         string        `env:"DATABASE_URL" placeholder:"URL" help:"Database: sqlite://path.db, postgres://user@host:5432/db?sslmode=disable or mysql://user@host:3306/db (default: sqlite://${default_db} in the module root)."`
	Plugins     []string      `placeholder:"P" help:"Enabled plugins, in plugmig.json as \"plugins\" (default: every registered plugin but those off by default: ${off_by_default}; \"none\" for none)."`
	LockTimeout time.Duration `default:"1m" help:"How long to wait for another run's migration lock."`
	FromRoot    bool          `help:"Read the migration folders under --root instead of those built into the binary."`

	options []apply.Option // set by the command, e.g. apply --single-transaction
}

// missingPolicy is what opening a SQLite target does when its file does
// not exist.
type missingPolicy int

const (
	refuseMissing missingPolicy = iota // status, history, baseline, plugin remove: never write
	createMissing                      // apply creates the database
	memoryMissing                      // apply --dry-run plans against an empty database in memory
)

// open connects to the target database and builds its Migrator; a SQLite
// file that does not exist is an error (nothing is created). Close the
// returned database when done.
func (t *Target) open(ctx context.Context, a *App) (*apply.Migrator, *sql.DB, string, error) {
	return t.openTarget(ctx, a, refuseMissing)
}

func (t *Target) openTarget(ctx context.Context, a *App, missing missingPolicy) (*apply.Migrator, *sql.DB, string, error) {
	if t.LockTimeout < 0 {
		return nil, nil, "", fmt.Errorf("--lock-timeout %s is negative: give how long to wait for another run's lock, e.g. 30s (0 = do not wait)", t.LockTimeout)
	}
	url := t.URL
	if url == "" {
		root, err := a.ModuleRoot()
		if err != nil {
			return nil, nil, "", fmt.Errorf("%w (or pass --url)", err)
		}
		path := filepath.Join(root, DefaultDatabase)
		if missing == createMissing {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return nil, nil, "", err
			}
		}
		url = "sqlite://" + path
	}
	m, db, err := t.openURL(ctx, a, url, missing, a.Stderr)
	if err != nil {
		return nil, nil, "", err
	}
	return m, db, dbdriver.Redact(url), nil
}

// openURL connects to the database url names and builds its Migrator with
// the target's flags, writing per-file progress to progress. Close the
// returned database when done.
func (t *Target) openURL(ctx context.Context, a *App, url string, missing missingPolicy, progress io.Writer) (*apply.Migrator, *sql.DB, error) {
	parsed, err := dbdriver.ParseURL(url)
	if err != nil {
		return nil, nil, err
	}
	if !slices.Contains(a.Dialects, parsed.Dialect) {
		return nil, nil, fmt.Errorf("%s is a %s database, but this project keeps migrations only for %s (--dialects, PLUGMIG_DIALECTS or plugmig.json): add %s to the dialects, or point --url at a database of one of them", dbdriver.Redact(url), parsed.Dialect, strings.Join(a.Dialects, ", "), parsed.Dialect)
	}
	if err := dbdriver.CheckTarget(parsed, url, missing == createMissing); err != nil {
		return nil, nil, err
	}
	var (
		target dbdriver.Target
		db     *sql.DB
	)
	if _, statErr := os.Stat(parsed.Database); parsed.Dialect == "sqlite" && errors.Is(statErr, os.ErrNotExist) && missing != createMissing {
		if missing == refuseMissing {
			return nil, nil, fmt.Errorf("database %s does not exist: nothing has been applied there (go run ./cmd apply creates it); check --url", dbdriver.Redact(url))
		}
		// A dry run against a database that does not exist yet: plan
		// against an empty one in memory, write nothing.
		target = parsed
		db, err = sql.Open("sqlite3", "file:plugmig_dry_run?mode=memory&_pragma=foreign_keys(1)")
		if err == nil {
			db.SetMaxOpenConns(1)
		}
	} else {
		target, db, err = dbdriver.OpenWait(ctx, url, t.LockTimeout)
	}
	if err != nil {
		return nil, nil, err
	}
	// What killed runs left on this server goes now, whatever the command.
	devdb.SweepOnce(target.Dialect, url)
	m, err := t.migrator(a, db, target, url, progress)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return m, db, nil
}

func (t *Target) migrator(a *App, db *sql.DB, target dbdriver.Target, url string, progress io.Writer) (*apply.Migrator, error) {
	comp, err := a.Composer()
	if err != nil {
		return nil, err
	}
	sources := app.Sources()
	if t.FromRoot {
		root, err := a.ModuleRoot()
		if err != nil {
			return nil, err
		}
		if err := app.CheckGenerated(root); err != nil {
			return nil, err
		}
		sources = app.DiskSources(root)
	}
	opts := []apply.Option{
		apply.WithLockTimeout(t.LockTimeout),
		apply.WithProgress(progress),
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
	return apply.New(db, target.Dialect, comp, sources, append(opts, t.options...)...)
}
