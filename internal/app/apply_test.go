package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"ariga.io/atlas/sql/migrate"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/drift"
	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/engine/roles"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/testdb"
)

// applyEnv is one test database and a module root whose migration folders
// the test may change.
type applyEnv struct {
	t    *testing.T
	db   *testdb.DB
	root string
}

func newApplyEnv(t *testing.T, dialect string) *applyEnv {
	return &applyEnv{t: t, db: testdb.Open(t, dialect), root: testdb.CopyRoot(t)}
}

func (e *applyEnv) migrator(enabled ...string) *apply.Migrator {
	e.t.Helper()
	comp, err := app.Composer()
	require.NoError(e.t, err)
	opts := []apply.Option{apply.WithSQLiteFile(e.db.Name), apply.WithScratchURL(testdb.DevURL(e.t, e.db.Dialect))}
	if enabled != nil {
		if enabled[0] == "none" {
			enabled = nil
		}
		opts = append(opts, apply.WithEnabled(enabled...))
	}
	m, err := apply.New(e.db.DB, e.db.Dialect, comp, app.DiskSources(e.root), opts...)
	require.NoError(e.t, err)
	return m
}

// with returns the test database's migrator with opts beside the usual
// ones (the SQLite file, the scratch server), every plugin enabled.
func (e *applyEnv) with(opts ...apply.Option) *apply.Migrator {
	e.t.Helper()
	comp, err := app.Composer()
	require.NoError(e.t, err)
	m, err := apply.New(e.db.DB, e.db.Dialect, comp, app.DiskSources(e.root), append([]apply.Option{apply.WithSQLiteFile(e.db.Name), apply.WithScratchURL(testdb.DevURL(e.t, e.db.Dialect))}, opts...)...)
	require.NoError(e.t, err)
	return m
}

// removal is what plugin remove would drop with m, by replaying the test
// root's folders as the command does.
func (e *applyEnv) removal(m *apply.Migrator, name string) *drift.Removal {
	e.t.Helper()
	comp, err := app.Composer()
	require.NoError(e.t, err)
	chk, err := drift.New(comp, app.DiskSources(e.root))
	require.NoError(e.t, err)
	r, err := chk.Removal(context.Background(), drift.Target{DB: e.db.DB, Dialect: e.db.Dialect, Migrator: m, ScratchURL: testdb.DevURL(e.t, e.db.Dialect)}, name)
	require.NoError(e.t, err)
	return r
}

// remove removes the plugin as plugin remove --yes does, with m.
func (e *applyEnv) remove(m *apply.Migrator, name string) ([]string, error) {
	e.t.Helper()
	r, err := m.Remove(context.Background(), name, e.removal(m, name).Drop)
	if r == nil {
		return nil, err
	}
	return r.Tables, err
}

// folder returns a branch's folder for the test's dialect.
func (e *applyEnv) folder(branch string) string {
	comp, _ := app.Composer()
	rel, err := migdir.Path(comp.Plugins(), branch, e.db.Dialect)
	require.NoError(e.t, err)
	return filepath.Join(e.root, rel)
}

// addFile writes a migration file into a branch's folder; rehash rewrites
// the folder's atlas.sum as go run ./cmd hash would.
func (e *applyEnv) addFile(branch, name, body string, rehash bool) {
	e.t.Helper()
	require.NoError(e.t, os.WriteFile(filepath.Join(e.folder(branch), name), []byte(body), 0o644))
	if rehash {
		e.rehash(branch)
	}
}

func (e *applyEnv) rehash(branch string) {
	dir, err := migrate.NewLocalDir(e.folder(branch))
	require.NoError(e.t, err)
	require.NoError(e.t, migdir.Rehash(dir))
}

// snapshot describes the database: every table with its columns, indexes
// and foreign keys, and every history row.
func (e *applyEnv) snapshot() string {
	e.t.Helper()
	ctx := context.Background()
	drv, err := compose.Open(e.db.Dialect, e.db.DB)
	require.NoError(e.t, err)
	s, err := drv.InspectSchema(ctx, "", nil)
	require.NoError(e.t, err)
	var b strings.Builder
	for _, t := range s.Tables {
		if t.Name == apply.LockTable {
			continue // the run lock's table (PostgreSQL), empty, there from the first run on
		}
		fmt.Fprintf(&b, "%s:", t.Name)
		for _, c := range t.Columns {
			fmt.Fprintf(&b, " %s/%v/%v", c.Name, c.Type.Raw, c.Type.Null)
		}
		for _, i := range t.Indexes {
			fmt.Fprintf(&b, " idx:%s", i.Name)
		}
		for _, fk := range t.ForeignKeys {
			fmt.Fprintf(&b, " fk:%s", fk.Symbol)
		}
		b.WriteString("\n")
	}
	revs, err := e.migrator().History(ctx, "")
	require.NoError(e.t, err)
	for _, r := range revs {
		fmt.Fprintf(&b, "rev %s %s %d/%d %q\n", r.Branch, r.Version, r.Applied, r.Total, r.Error)
	}
	return b.String()
}

// drift returns how the database differs from the composed schema of core
// and the plugins (the history and run lock tables aside).
func (e *applyEnv) drift(plugins ...string) []string {
	e.t.Helper()
	ctx := context.Background()
	comp, err := app.Composer()
	require.NoError(e.t, err)
	u, err := comp.Union(plugins...)
	require.NoError(e.t, err)
	want, err := comp.Schema(ctx, u, e.db.Dialect)
	require.NoError(e.t, err)
	drv, err := compose.Open(e.db.Dialect, e.db.DB)
	require.NoError(e.t, err)
	changes, err := compose.Drift(ctx, drv, want, apply.HistoryTable, apply.LockTable)
	require.NoError(e.t, err)
	var out []string
	for _, c := range changes {
		out = append(out, fmt.Sprintf("%T %v", c, c))
	}
	return out
}

func appliedFiles(rs []apply.BranchResult) map[string]int {
	m := map[string]int{}
	for _, r := range rs {
		m[r.Branch] = len(r.Files)
	}
	return m
}

func TestApplyFreshThenNothing(t *testing.T) {
	t.Parallel()
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, d)
			res, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			require.Equal(t, everyBranch(t, map[string]int{"core": 1, "archivalook": 1, "image": 1, "mediasecurity": 1}, shipped(t, d)), appliedFiles(res))
			require.Equal(t, "core", res[0].Branch, "core first")
			require.Empty(t, e.drift(defaultPlugins(t)...), "the database is exactly the composed schema")
			var featurer int
			require.NoError(t, e.db.DB.QueryRow("SELECT count(*) FROM core__privileges WHERE privilege_name = 'featurer'").Scan(&featurer))
			require.Equal(t, 1, featurer, "archivalook's seed row")
			require.Equal(t, []string{"admin", "moderator", "uploader", "reporter", "commenter", "active", "featurer"}, e.privileges(), "core's six foundation privileges, then archivalook's")

			before := e.snapshot()
			res, err = e.migrator().Apply(ctx)
			require.NoError(t, err)
			require.Equal(t, everyBranch(t, nil, nothing), appliedFiles(res))
			require.Equal(t, before, e.snapshot(), "a rerun changes nothing")
			st, err := e.migrator().Status(ctx)
			require.NoError(t, err)
			for _, s := range st {
				require.False(t, s.NeedsWork(), "%+v", s)
				if s.State == apply.StateDisabled { // a plugin off by default: not applied
					require.Empty(t, s.Applied, s.Branch)
					continue
				}
				require.Equal(t, s.Head, s.Applied)
			}
		})
	}
}

func TestApplyPluginsEnabledLater(t *testing.T) {
	t.Parallel()
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, d)
			res, err := e.migrator("none").Apply(ctx)
			require.NoError(t, err)
			require.Equal(t, map[string]int{"core": 1}, appliedFiles(res))
			st, err := e.migrator("none").Status(ctx)
			require.NoError(t, err)
			i := slices.IndexFunc(st, func(s apply.BranchStatus) bool { return s.Branch == "archivalook" })
			require.Equal(t, apply.StateDisabled, st[i].State)
			require.Equal(t, 1, st[i].Pending)
			require.False(t, st[i].NeedsWork(), "a disabled plugin's pending files are not work")
			require.Empty(t, e.drift())

			// Enabling archivalook later applies it and inserts its seed row
			// into the existing database.
			res, err = e.migrator("archivalook").Apply(ctx)
			require.NoError(t, err)
			require.Equal(t, map[string]int{"core": 0, "archivalook": 1}, appliedFiles(res))
			require.Equal(t, 1, res[1].Seeded)

			// Disabled again: its tables and history stay.
			_, err = e.migrator("image").Apply(ctx)
			require.NoError(t, err)
			require.Empty(t, e.drift("archivalook", "image"))
			st, err = e.migrator("image").Status(ctx)
			require.NoError(t, err)
			i = slices.IndexFunc(st, func(s apply.BranchStatus) bool { return s.Branch == "archivalook" })
			require.Equal(t, apply.StateDisabled, st[i].State)
			require.NotEmpty(t, st[i].Applied)

			// Re-enabled: nothing to do, the seed is not inserted twice.
			res, err = e.migrator().Apply(ctx)
			require.NoError(t, err)
			require.Equal(t, everyBranch(t, map[string]int{"core": 0, "archivalook": 0, "image": 0, "mediasecurity": 1}, shipped(t, d)), appliedFiles(res))
			var n int
			require.NoError(t, e.db.DB.QueryRow("SELECT count(*) FROM core__privileges WHERE privilege_name = 'featurer'").Scan(&n))
			require.Equal(t, 1, n)
		})
	}
}

func TestApplyRefusesBeforeAnySQL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		break_ func(e *applyEnv)
		want   string
	}{
		{"edited applied file", func(e *applyEnv) {
			files, _ := filepath.Glob(filepath.Join(e.folder("image"), "2*.sql"))
			b, _ := os.ReadFile(files[0])
			require.NoError(e.t, os.WriteFile(files[0], append(b, []byte("-- edited\n")...), 0o644))
			e.rehash("image")
		}, "was edited after it was applied: restore it"},
		{"stale atlas.sum", func(e *applyEnv) {
			e.addFile("image", "29990101000000_x.sql", "CREATE TABLE image__x (id int);\n", false)
		}, "atlas.sum does not match the files"},
		{"missing applied file", func(e *applyEnv) {
			files, _ := filepath.Glob(filepath.Join(e.folder("mediasecurity"), "2*.sql"))
			require.NoError(e.t, os.Remove(files[0]))
			e.rehash("mediasecurity")
		}, "is missing from"},
		{"file merged out of order", func(e *applyEnv) {
			e.addFile("image", "20000101000000_early.sql", "CREATE TABLE image__early (id int);\n", true)
			e.addFile("core", "29990101000000_late.sql", "CREATE TABLE core__late (id int);\n", true)
		}, "sorts before version"},
		{"no folder for the dialect", func(e *applyEnv) {
			require.NoError(e.t, os.RemoveAll(e.folder("archivalook")))
		}, "has no"},
	}
	for _, d := range compose.Dialects {
		for _, c := range cases {
			t.Run(d+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				e := newApplyEnv(t, d)
				_, err := e.migrator().Apply(ctx)
				require.NoError(t, err)
				before := e.snapshot()
				c.break_(e)
				_, err = e.migrator().Apply(ctx)
				require.ErrorIs(t, err, apply.ErrIntegrity)
				require.ErrorContains(t, err, c.want)
				require.ErrorContains(t, err, "nothing was applied")
				require.Equal(t, before, e.snapshot(), "the database is untouched")
				if c.name == "file merged out of order" {
					require.NotContains(t, e.snapshot(), "core__late", "core's valid new file did not run either")
				}
			})
		}
	}
}

func TestApplyAdoptsWithBaseline(t *testing.T) {
	t.Parallel()
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, d)
			// The tables exist (created by hand, as before this tool) but no history.
			comp, _ := app.Composer()
			b, _ := comp.Branch("core")
			s, err := comp.Schema(ctx, b, d)
			require.NoError(t, err)
			stmts, err := compose.DDL(ctx, d, s)
			require.NoError(t, err)
			for _, st := range stmts {
				_, err := e.db.DB.Exec(st)
				require.NoError(t, err)
			}
			before := e.snapshot()
			_, err = e.migrator("none").Apply(ctx)
			require.ErrorIs(t, err, apply.ErrIntegrity)
			require.ErrorContains(t, err, `branch "core" has no history in this database but its table`)
			require.ErrorContains(t, err, "go run ./cmd adopt --branch core --version <version>, which checks the tables match it")
			require.Equal(t, before, e.snapshot())

			require.ErrorContains(t, e.migrator().Baseline(ctx, "core", "1999"), "has no migration with version")
			st, _ := e.migrator().Status(ctx)
			require.NoError(t, e.migrator().Baseline(ctx, "core", st[0].Head))
			require.ErrorContains(t, e.migrator().Baseline(ctx, "core", st[0].Head), "already has history")
			res, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			require.Equal(t, everyBranch(t, map[string]int{"core": 0, "archivalook": 1, "image": 1, "mediasecurity": 1}, shipped(t, d)), appliedFiles(res))
			require.Empty(t, e.drift(defaultPlugins(t)...))
		})
	}
}

func TestApplyFailingStatement(t *testing.T) {
	t.Parallel()
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, d)
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			bad := "ALTER TABLE image__mediadata ADD COLUMN note1 varchar(10) NULL;\nALTER TABLE image__nope ADD COLUMN x int;\nALTER TABLE image__mediadata ADD COLUMN note2 varchar(10) NULL;\n"
			e.addFile("image", "29990101000000_notes.sql", bad, true)
			_, err = e.migrator().Apply(ctx)
			require.Error(t, err)
			require.ErrorContains(t, err, `branch "image": plugins/image/migrations/`+d+`/29990101000000_notes.sql: statement 2 (line 2) failed: ALTER TABLE image__nope ADD COLUMN x int`)
			require.ErrorContains(t, err, "database: ")
			snap := e.snapshot()
			revs, _ := e.migrator().History(ctx, "image")
			last := revs[len(revs)-1]
			require.Equal(t, "29990101000000", last.Version)
			require.NotEmpty(t, last.Error)
			require.Contains(t, last.ErrorStmt, "image__nope")
			if d == compose.MySQL {
				require.ErrorContains(t, err, "statements 1-1 were applied and recorded")
				require.Contains(t, snap, "note1", "MySQL committed statement 1")
				require.Equal(t, 1, last.Applied)
				// Editing an applied statement is refused.
				e.addFile("image", "29990101000000_notes.sql", strings.Replace(bad, "note1 varchar(10)", "note1 varchar(20)", 1), true)
				_, err = e.migrator().Apply(ctx)
				require.ErrorContains(t, err, "statement 1 was edited after it was applied")
			} else {
				require.ErrorContains(t, err, "the file was rolled back: nothing of it was applied")
				require.NotContains(t, snap, "note1", "no trace of the failed file")
				require.Equal(t, 0, last.Applied)
			}
			st, _ := e.migrator().Status(ctx)
			i := slices.IndexFunc(st, func(s apply.BranchStatus) bool { return s.Branch == "image" })
			require.True(t, st[i].NeedsWork())
			require.NotEmpty(t, st[i].Failed)

			// Fix statement 2, rehash, apply again: it completes (on MySQL,
			// resuming after statement 1).
			e.addFile("image", "29990101000000_notes.sql", strings.Replace(bad, "image__nope ADD COLUMN x int", "image__mediadata ADD COLUMN x int NULL", 1), true)
			res, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			i = slices.IndexFunc(res, func(r apply.BranchResult) bool { return r.Branch == "image" })
			require.Len(t, res[i].Files, 1, "%+v", res)
			f := res[i].Files[0]
			require.Equal(t, "29990101000000", f.Version)
			if d == compose.MySQL {
				require.Equal(t, 1, f.Resumed)
			} else {
				require.Equal(t, 0, f.Resumed)
			}
			revs, _ = e.migrator().History(ctx, "image")
			last = revs[len(revs)-1]
			require.Equal(t, 3, last.Applied)
			require.Equal(t, 3, last.Total)
			require.Empty(t, last.Error)
			snap = e.snapshot()
			for _, c := range []string{"note1", "note2", "x/"} {
				require.Contains(t, snap, c)
			}
			_, err = e.migrator().Apply(ctx)
			require.NoError(t, err, "the fixed file's new hash is what the history records")
		})
	}
}

func TestPluginRemove(t *testing.T) {
	t.Parallel()
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, d)
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			e.addFile("image", "29990101000000_more.sql", "CREATE TABLE image__thumbs (id int NOT NULL, media int NOT NULL, PRIMARY KEY (id));\nCREATE TABLE image__tags (id int NOT NULL, thumb int NOT NULL, PRIMARY KEY (id), CONSTRAINT image__tags_thumb_fkey FOREIGN KEY (thumb) REFERENCES image__thumbs (id));\n", true)
			_, err = e.migrator().Apply(ctx)
			require.NoError(t, err)
			coreBefore := strings.Join(slices.DeleteFunc(strings.Split(e.snapshot(), "\n"), func(l string) bool { return !strings.HasPrefix(l, "core__") }), "\n")

			dropped, err := e.remove(e.migrator("archivalook", "mediasecurity"), "image")
			require.NoError(t, err)
			require.Equal(t, []string{"image__mediadata", "image__tags", "image__thumbs"}, dropped, "a referencing table before the table it references")
			snap := e.snapshot()
			require.NotContains(t, snap, "image__")
			require.NotContains(t, snap, "rev image ")
			require.Contains(t, snap, "rev mediasecurity ")
			coreAfter := strings.Join(slices.DeleteFunc(strings.Split(snap, "\n"), func(l string) bool { return !strings.HasPrefix(l, "core__") }), "\n")
			require.Equal(t, coreBefore, coreAfter, "core tables unchanged")
			identity := map[string]string{
				"postgres": "SELECT rolname FROM pg_roles WHERE rolname = '" + roles.Name(e.db.Name, "image") + "'",
				"mysql":    "SELECT User FROM mysql.user WHERE User = '" + roles.Name(e.db.Name, "image") + "'",
			}[d]
			if identity != "" {
				left, err := testdb.Rows(e.db.DB, identity)
				require.NoError(t, err)
				require.Empty(t, left, "the plugin's role or account is dropped with it")
				others, err := testdb.Rows(e.db.DB, strings.ReplaceAll(identity, roles.Name(e.db.Name, "image"), roles.Name(e.db.Name, "mediasecurity")))
				require.NoError(t, err)
				require.Len(t, others, 1, "other plugins keep theirs")
			}
			st, err := e.migrator("archivalook", "mediasecurity").Status(ctx)
			require.NoError(t, err)
			i := slices.IndexFunc(st, func(s apply.BranchStatus) bool { return s.Branch == "image" })
			require.Equal(t, apply.StateDisabled, st[i].State)
			require.Empty(t, st[i].Applied)
		})
	}
}

// TestUnknownBranchInHistory: a branch whose plugin left the code is
// reported, never a crash (MediaGoblin: "Can't locate revision").
func TestUnknownBranchInHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, compose.SQLite)
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	_, err = e.db.DB.Exec(`INSERT INTO plugmig_history (branch, version, description, type, applied, total, executed_at, duration_us, hash, operator_version)
		VALUES ('oldplugin', '20200101000000', 'initial', 'applied', 1, 1, '2020-01-01T00:00:00.000000000Z', 10, 'h1:x', 'plugmig')`)
	require.NoError(t, err)
	res, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	require.Len(t, res, 1+len(defaultPlugins(t)), "core and every plugin enabled by default")
	st, err := e.migrator().Status(ctx)
	require.NoError(t, err)
	last := st[len(st)-1]
	require.Equal(t, apply.BranchStatus{Branch: "oldplugin", State: apply.StateUnknown, Applied: "20200101000000", AppliedDescription: "initial", Next: "go run ./cmd plugin remove oldplugin --yes"}, last)
	require.False(t, last.NeedsWork())
	dropped, err := e.remove(e.migrator(), "oldplugin")
	require.NoError(t, err)
	require.Empty(t, dropped)
	st, _ = e.migrator().Status(ctx)
	require.Len(t, st, 1+len(plugin.Default().Names()), "its history is gone: core and every registered plugin, enabled or not")
}

// TestApplyWaitsForTheLock: while another run holds the migration lock,
// apply waits at most its lock timeout and then refuses, untouched; once
// the lock is free it proceeds.
func TestApplyWaitsForTheLock(t *testing.T) {
	t.Parallel()
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, d)
			release := holdLock(t, e.db)
			comp, err := app.Composer()
			require.NoError(t, err)
			m, err := apply.New(e.db.DB, d, comp, app.DiskSources(e.root), apply.WithSQLiteFile(e.db.Name), apply.WithLockTimeout(300*time.Millisecond), apply.WithScratchURL(testdb.DevURL(t, d)))
			require.NoError(t, err)
			start := time.Now()
			_, err = m.Apply(ctx)
			require.ErrorIs(t, err, apply.ErrLockTimeout)
			require.ErrorContains(t, err, "raise --lock-timeout")
			require.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond, "it waited")
			require.NotContains(t, e.snapshot(), "core__users", "nothing ran")
			release()
			_, err = m.Apply(ctx)
			require.NoError(t, err)
		})
	}
}

// holdLock takes the run lock as another apply process would.
func holdLock(t *testing.T, db *testdb.DB) (release func()) {
	t.Helper()
	switch db.Dialect {
	case compose.SQLite:
		path, err := apply.SQLiteLockPath(db.Name)
		require.NoError(t, err)
		f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
		require.NoError(t, err)
		require.NoError(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX))
		return func() { f.Close() }
	case compose.Postgres:
		conn, err := db.DB.Conn(context.Background())
		require.NoError(t, err)
		_, err = conn.ExecContext(context.Background(), "CREATE TABLE IF NOT EXISTS "+apply.LockTable+" ()")
		require.NoError(t, err)
		_, err = conn.ExecContext(context.Background(), "BEGIN; LOCK TABLE "+apply.LockTable+" IN EXCLUSIVE MODE")
		require.NoError(t, err)
		return func() { conn.Close() }
	default:
		conn, err := db.DB.Conn(context.Background())
		require.NoError(t, err)
		var got int
		name, err := apply.MySQLRunLockName(context.Background(), db.DB)
		require.NoError(t, err)
		require.NoError(t, conn.QueryRowContext(context.Background(), "SELECT GET_LOCK(?, 5)", name).Scan(&got))
		require.Equal(t, 1, got)
		return func() { conn.Close() }
	}
}

// privileges returns the privilege names in the order they were inserted.
func (e *applyEnv) privileges() []string {
	e.t.Helper()
	rows, err := e.db.DB.Query("SELECT privilege_name FROM core__privileges ORDER BY id")
	require.NoError(e.t, err)
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		require.NoError(e.t, rows.Scan(&n))
		names = append(names, n)
	}
	require.NoError(e.t, rows.Err())
	return names
}

// TestApplyNamesOnlyTheChangedFiles: a file inserted before applied ones,
// an edited file, a deleted file and a rehash are diagnosed from each
// file's own hash: exactly the files concerned are named, never an
// untouched one — also on a history recorded with atlas.sum's cumulative
// hashes by an earlier plugmig (issue 11, item 6).
func TestApplyNamesOnlyTheChangedFiles(t *testing.T) {
	t.Parallel()
	const (
		one = "29990101000000_one.sql"
		mid = "29990101500000_mid.sql"
		two = "29990102000000_two.sql"
	)
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, d)
			e.addFile("image", one, "CREATE TABLE image__one (id int);\n", false)
			e.addFile("image", two, "CREATE TABLE image__two (id int);\n", true)
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)

			refused := func(want string, never ...string) {
				t.Helper()
				_, err := e.migrator().Apply(ctx)
				require.ErrorIs(t, err, apply.ErrIntegrity)
				require.ErrorContains(t, err, want)
				for _, n := range never {
					require.NotContains(t, err.Error(), n+" was edited")
				}
			}
			clean := func() {
				t.Helper()
				_, err := e.migrator().Apply(ctx)
				require.NoError(t, err)
			}
			check := func() {
				t.Helper()
				// A rehash alone changes nothing.
				e.rehash("image")
				clean()

				// A file inserted between two applied ones: only it is named.
				e.addFile("image", mid, "CREATE TABLE image__mid (id int);\n", true)
				refused(mid+" sorts before version 29990102000000", one, two, "initial")
				require.NoError(t, os.Remove(filepath.Join(e.folder("image"), mid)))
				e.rehash("image")
				clean()

				// One edited file: it alone is named.
				path := filepath.Join(e.folder("image"), one)
				body, err := os.ReadFile(path)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(path, append(body, "-- edited\n"...), 0o644))
				e.rehash("image")
				refused(one+" was edited after it was applied", two, "initial")
				require.NoError(t, os.WriteFile(path, body, 0o644))
				e.rehash("image")
				clean()

				// A deleted applied file: named as missing, the next not as edited.
				require.NoError(t, os.Remove(path))
				e.rehash("image")
				refused("applied file "+one+" is missing", two)
				require.NoError(t, os.WriteFile(path, body, 0o644))
				e.rehash("image")
				clean()
			}
			check()

			// The same on a history written with atlas.sum's cumulative hashes.
			dir, err := migrate.NewLocalDir(e.folder("image"))
			require.NoError(t, err)
			sums, err := dir.Checksum()
			require.NoError(t, err)
			q := "UPDATE plugmig_history SET hash = ? WHERE branch = 'image' AND version = ?"
			if d == "postgres" {
				q = "UPDATE plugmig_history SET hash = $1 WHERE branch = 'image' AND version = $2"
			}
			files, err := dir.Files()
			require.NoError(t, err)
			for _, f := range files {
				h, err := sums.SumByName(f.Name())
				require.NoError(t, err)
				_, err = e.db.DB.Exec(q, h, f.Version())
				require.NoError(t, err)
			}
			check()
		})
	}
}

// removeFile deletes a migration file of a branch and rehashes its folder.
func (e *applyEnv) removeFile(branch, name string) {
	e.t.Helper()
	require.NoError(e.t, os.Remove(filepath.Join(e.folder(branch), name)))
	e.rehash(branch)
}
