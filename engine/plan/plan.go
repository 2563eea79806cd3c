// Package plan computes, with Atlas, what a branch's migrations lack: it
// replays the branch's history (core's folder, then those of the plugins it
// depends on, then its own) on a scratch database, inspects the result,
// diffs it against the branch's composed desired schema and plans the
// statements in between. A plan that would touch anything the branch does
// not own is refused. Computing and writing are separate steps, so diff and
// diff --check share the computation.
package plan

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/engine/sqliteauth"
	"github.com/plugmig/plugmig/engine/sqlitefk"
)

// ErrNotOwned is wrapped by the error of a plan that would create, change or
// drop an object its branch does not own.
var ErrNotOwned = errors.New("change outside the branch")

// Project is an application's branches and the folder their migration
// folders live under.
type Project struct {
	// Root is the module root: migrations/ and plugins/<name>/ are under it.
	Root string
	// Composer composes the application's branches.
	Composer *compose.Composer
}

// Pending is what a branch's migrations lack in one dialect.
type Pending struct {
	Branch  string
	Dialect string
	// Dir is the branch's folder for the dialect, relative to Root.
	Dir string
	// Changes are Atlas's changes from the replayed history to the desired
	// schema; none means the folder is in sync.
	Changes []schema.Change
	// Plan holds the statements that make the changes.
	Plan *migrate.Plan
}

// InSync reports whether the branch's migrations produce its desired schema.
func (p *Pending) InSync() bool { return len(p.Changes) == 0 }

// Pending replays the branch's history for the dialect on dev (reset
// first), and plans the statements that would bring it to the branch's
// desired schema.
func (p *Project) Pending(ctx context.Context, dev *devdb.DB, branch string) (*Pending, error) {
	b, err := p.Composer.Branch(branch)
	if err != nil {
		return nil, err
	}
	if err := dev.Reset(ctx); err != nil {
		return nil, err
	}
	created, err := p.replay(ctx, dev, b.Owners)
	if err != nil {
		return nil, err // it names the folder: its branch and dialect
	}
	return p.PendingOn(ctx, dev, branch, created)
}

// PendingOn plans what the branch lacks on a dev database that already
// holds its whole history (as lint leaves it), without replaying it again.
// created says which branch's history created each existing object; tables
// named in ignore (a tool's own) are left out.
func (p *Project) PendingOn(ctx context.Context, dev *devdb.DB, branch string, created map[string]string, ignore ...string) (*Pending, error) {
	d := dev.Dialect
	b, err := p.Composer.Branch(branch)
	if err != nil {
		return nil, err
	}
	rel, err := migdir.Path(p.Composer.Plugins(), branch, d)
	if err != nil {
		return nil, err
	}
	want, err := p.Composer.Schema(ctx, b, d)
	if err != nil {
		return nil, err
	}
	changes, err := compose.Drift(ctx, dev.Driver, want, ignore...)
	if err != nil {
		return nil, fmt.Errorf("branch %q (%s): %w", branch, d, err)
	}
	if d == compose.SQLite {
		appendColumns(changes)
	}
	pd := &Pending{Branch: branch, Dialect: d, Dir: rel, Changes: changes}
	if err := p.checkOwnership(pd, created); err != nil {
		return nil, err
	}
	if pd.InSync() {
		pd.Plan = &migrate.Plan{}
		return pd, nil
	}
	pd.Plan, err = dev.Driver.PlanChanges(ctx, "diff", changes, unqualified)
	return pd, err
}

// replay executes the folders of owners in order on the scratch database and
// returns which owner's history created each table.
func (p *Project) replay(ctx context.Context, dev *devdb.DB, owners []string) (map[string]string, error) {
	created := map[string]string{}
	var auth *sqliteauth.Authorizer
	if dev.Dialect == compose.SQLite {
		// A plugin's history runs under SQLite's authorizer, as at lint and
		// apply: a merged file can't reach another database file from here.
		auth = sqliteauth.New()
		if err := auth.InstallPool(ctx, dev.DB); err != nil {
			return nil, fmt.Errorf("install SQLite's authorizer on the dev database: %w", err)
		}
	}
	for _, owner := range owners {
		dir, err := migdir.Open(p.Root, p.Composer.Plugins(), owner, dev.Dialect)
		if err != nil {
			return nil, err
		}
		drv := dev.Driver
		if auth != nil && owner != plugin.Core {
			existing, err := sqliteauth.Existing(ctx, dev.DB)
			if err != nil {
				return nil, err
			}
			auth.Reset()
			drv = sqliteauth.Driver{Driver: dev.Driver, Auth: auth, Policy: sqliteauth.OwnerPolicy(owner, func(n string) string { return p.OwnerOf(n, created) }, existing)}
		}
		if err := Replay(ctx, drv, dir); err != nil {
			rel, _ := migdir.Path(p.Composer.Plugins(), owner, dev.Dialect)
			return nil, fmt.Errorf("replay %s: %w", filepath.ToSlash(rel), err)
		}
		s, err := dev.Driver.InspectSchema(ctx, "", nil)
		if err != nil {
			return nil, fmt.Errorf("inspect after replaying %s's history: %w", owner, err)
		}
		for _, t := range s.Tables {
			if _, ok := created[t.Name]; !ok {
				created[t.Name] = owner
			}
		}
	}
	return created, nil
}

// Replay executes every file of dir on drv, without recording revisions.
// On SQLite a file that rebuilds, drops or renames a table runs as SQLite's
// schema-change procedure says (see package sqlitefk): foreign keys off,
// the file, PRAGMA foreign_key_check, foreign keys on.
func Replay(ctx context.Context, drv migrate.Driver, dir migrate.Dir) error {
	files, err := dir.Files()
	if err != nil || len(files) == 0 {
		return err
	}
	ex, err := migrate.NewExecutor(drv, dir, migrate.NopRevisionReadWriter{}, migrate.WithAllowDirty(true))
	if err != nil {
		return err
	}
	if !isSQLite(drv) {
		return ex.ExecuteFiles(ctx, files)
	}
	for _, f := range files {
		if err := replaySQLite(ctx, drv, ex, f); err != nil {
			return err
		}
	}
	return nil
}

// isSQLite reports whether drv is Atlas's SQLite driver, possibly under
// SQLite's authorizer.
func isSQLite(drv migrate.Driver) bool {
	switch d := drv.(type) {
	case *sqlite.Driver:
		return true
	case sqliteauth.Driver:
		return isSQLite(d.Driver)
	}
	return false
}

func replaySQLite(ctx context.Context, drv migrate.Driver, ex *migrate.Executor, f migrate.File) error {
	stmts, err := f.Stmts()
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name(), err)
	}
	if !sqlitefk.Needed(stmts) {
		return ex.Execute(ctx, f)
	}
	if err := sqlitefk.Off(ctx, drv); err != nil {
		return err
	}
	err = ex.Execute(ctx, f)
	if err == nil {
		if err = sqlitefk.Check(ctx, drv); err != nil {
			err = fmt.Errorf("%s: %w", f.Name(), err)
		}
	}
	return errors.Join(err, sqlitefk.On(ctx, drv))
}

// unqualified plans statements without a schema name, so a file applies to
// whichever database or schema it runs in.
func unqualified(o *migrate.PlanOptions) {
	empty := ""
	o.SchemaQualifier = &empty
}

// appendColumns lets Atlas add a SQLite column with ALTER TABLE ADD COLUMN
// when its only indexes are new ones created in the same change: Atlas
// otherwise rebuilds the whole table (copy, drop, rename) for a column that
// any index mentions.
func appendColumns(changes []schema.Change) {
	for _, c := range changes {
		m, ok := c.(*schema.ModifyTable)
		if !ok {
			continue
		}
		added := map[*schema.Index]bool{}
		for _, tc := range m.Changes {
			if ai, ok := tc.(*schema.AddIndex); ok {
				added[ai.I] = true
			}
		}
		for _, tc := range m.Changes {
			ac, ok := tc.(*schema.AddColumn)
			if !ok || len(ac.C.Indexes) == 0 {
				continue
			}
			fresh := true
			for _, idx := range ac.C.Indexes {
				fresh = fresh && added[idx]
			}
			if fresh {
				col := *ac.C
				col.Indexes = nil
				ac.C = &col
			}
		}
	}
}
