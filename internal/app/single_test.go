package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/roles"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/testdb"
)

// TestSingleTransaction: with WithSingleTransaction, a failure in the last
// file of the last branch leaves the database exactly as it was (no
// table, no history, no seed row), on a fresh database and on one with
// history; without the failure every branch is applied at once. (On
// PostgreSQL plugin files run in it only under the observing guard: see
// TestSingleTransactionPostgresPlugins.)
func TestSingleTransaction(t *testing.T) {
	t.Parallel()
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, d)
			single := func(enabled ...string) *apply.Migrator {
				comp, err := app.Composer()
				require.NoError(t, err)
				opts := []apply.Option{apply.WithSQLiteFile(e.db.Name), apply.WithSingleTransaction()}
				if d == "postgres" {
					opts = append(opts, apply.WithGuard(apply.GuardObserve))
				}
				if enabled != nil {
					opts = append(opts, apply.WithEnabled(enabled...))
				}
				m, err := apply.New(e.db.DB, d, comp, app.DiskSources(e.root), opts...)
				require.NoError(t, err)
				return m
			}
			// The last branch applied is mediasecurity: its new last file fails
			// at its last statement.
			e.addFile("mediasecurity", "29990101000000_bad.sql", "CREATE TABLE mediasecurity__extra (id integer);\nINSERT INTO mediasecurity__nope VALUES (1);\n", true)
			empty := e.snapshot()
			res, err := single().Apply(ctx)
			require.ErrorContains(t, err, "29990101000000_bad.sql")
			require.ErrorContains(t, err, "the whole run was rolled back")
			require.Empty(t, res)
			require.Equal(t, empty, e.snapshot(), "a failed single-transaction run leaves the database unchanged")
			tables, err := testdb.Rows(e.db.DB, map[string]string{
				"sqlite":   "SELECT name FROM sqlite_master WHERE type = 'table'",
				"postgres": "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> '" + apply.LockTable + "'",
			}[d])
			require.NoError(t, err)
			require.Empty(t, tables, "not even the history table (the run lock's table aside)")

			// With history: core alone first, then the rest fails as one.
			_, err = single("archivalook").Apply(ctx)
			require.NoError(t, err)
			before := e.snapshot()
			_, err = single().Apply(ctx)
			require.ErrorContains(t, err, "the whole run was rolled back")
			require.Equal(t, before, e.snapshot())

			// Without the bad file: every pending file in one go.
			e.addFile("mediasecurity", "29990101000000_bad.sql", "CREATE TABLE mediasecurity__extra (id integer);\n", true)
			res, err = single().Apply(ctx)
			require.NoError(t, err)
			require.Equal(t, everyBranch(t, map[string]int{"core": 0, "archivalook": 0, "image": 1, "mediasecurity": 2}, shipped(t, d)), appliedFiles(res))
			status, err := single().Status(ctx)
			require.NoError(t, err)
			for _, s := range status {
				require.False(t, s.NeedsWork(), "%+v", s)
			}

			// A failed attempt recorded by a run without the option: the
			// single run's row replaces it (the history written with the
			// commit is an upsert).
			e.addFile("mediasecurity", "29990102000000_later.sql", "INSERT INTO mediasecurity__nope VALUES (1);\n", true)
			_, err = e.migrator().Apply(ctx)
			require.ErrorContains(t, err, "mediasecurity__nope")
			e.addFile("mediasecurity", "29990102000000_later.sql", "CREATE TABLE mediasecurity__later (id integer);\n", true)
			res, err = single().Apply(ctx)
			require.NoError(t, err)
			require.Equal(t, everyBranch(t, map[string]int{"core": 0, "archivalook": 0, "image": 0, "mediasecurity": 1}, nothing), appliedFiles(res))
			rows, err := testdb.Rows(e.db.DB, "SELECT type || ' ' || applied || '/' || total || ' [' || coalesce(error, '') || ']' FROM plugmig_history WHERE version = '29990102000000'")
			require.NoError(t, err)
			require.Equal(t, []string{"applied 1/1 []"}, rows)
		})
	}
}

// TestSingleTransactionRefusals: MySQL cannot; a txmode none file refuses
// the whole run before anything runs.
func TestSingleTransactionRefusals(t *testing.T) {
	t.Parallel()
	comp, err := app.Composer()
	require.NoError(t, err)
	e := newApplyEnv(t, "sqlite")
	_, err = apply.New(e.db.DB, "mysql", comp, app.Sources(), apply.WithSingleTransaction())
	require.ErrorContains(t, err, "single transaction is impossible on MySQL")
	e.addFile("image", "29990101000000_notx.sql", "-- atlas:txmode none\n\nCREATE TABLE image__x (id integer);\n", true)
	m, err := apply.New(e.db.DB, "sqlite", comp, app.DiskSources(e.root), apply.WithSQLiteFile(e.db.Name), apply.WithSingleTransaction())
	require.NoError(t, err)
	_, err = m.Apply(context.Background())
	require.ErrorIs(t, err, apply.ErrIntegrity)
	require.ErrorContains(t, err, "29990101000000_notx.sql")
	require.Equal(t, "", e.snapshot())
}

// TestSingleTransactionPostgresPlugins: on PostgreSQL one transaction is
// one session, logged in as the migrator, where a plugin file could take
// the migrator's role back unseen (a function's SET role clause restores
// it before any check): under the enforcing guard a single-transaction run
// with plugin files pending is refused before anything runs (no table, no
// history, no role), naming both ways out; core's files alone run; with
// --guard=observe plugin files run in it and the observer refuses a write
// to core, rolling the whole run back.
func TestSingleTransactionPostgresPlugins(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	e.addFile("image", "29990101000000_t.sql", "CREATE TABLE image__t (id integer);\nINSERT INTO image__t (id) VALUES (1);\n"+
		"CREATE FUNCTION image__f() RETURNS integer LANGUAGE sql SET role = 'postgres' AS $$ SELECT 1 $$;\n", true)
	e.addFile("image", "29990102000000_d.sql", "ALTER TABLE image__t ADD COLUMN c integer DEFAULT image__f();\n", true)
	_, err := e.with(apply.WithSingleTransaction()).Apply(ctx)
	require.ErrorIs(t, err, apply.ErrIntegrity)
	require.ErrorContains(t, err, `--single-transaction on PostgreSQL cannot hold plugin files to their roles, and plugins `+withFiles(t, "postgres")+` have pending files; nothing was run`)
	require.ErrorContains(t, err, "Apply without --single-transaction")
	require.ErrorContains(t, err, "--guard=observe")
	require.Equal(t, "", e.snapshot())
	created, err := testdb.Rows(e.db.DB, "SELECT rolname FROM pg_roles WHERE rolname LIKE 'plugmig\\_%\\_"+roles.DatabaseTag(e.db.Name)+"'")
	require.NoError(t, err)
	require.Empty(t, created, "no plugin role either")

	// Core's files alone: one transaction, no plugin file in it.
	comp, err := app.Composer()
	require.NoError(t, err)
	core, err := apply.New(e.db.DB, "postgres", comp, app.DiskSources(e.root), apply.WithSingleTransaction(), apply.WithEnabled())
	require.NoError(t, err)
	res, err := core.Apply(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"core": len(res[0].Files)}, appliedFiles(res))
	require.NotZero(t, len(res[0].Files))

	// Observed: a plugin file writing core is refused, the run rolled back.
	before := e.snapshot()
	e.addFile("image", "29990103000000_bad.sql", "UPDATE core__privileges SET privilege_name = 'pwned';\n", true)
	var progress strings.Builder
	_, err = e.with(apply.WithSingleTransaction(), apply.WithGuard(apply.GuardObserve), apply.WithProgress(&progress)).Apply(ctx)
	require.ErrorContains(t, err, "29990103000000_bad.sql")
	require.ErrorContains(t, err, "core__privileges")
	require.ErrorContains(t, err, "the whole run was rolled back")
	require.Contains(t, progress.String(), "WARNING: --guard=observe")
	require.Equal(t, before, e.snapshot())
}

// TestSingleTransactionWatchedFilePostgres: a plugin file the observer
// watches (a backfill reading core) passes in an observed
// single-transaction run after core's seed rows moved core's sequences:
// no false PL104.
func TestSingleTransactionWatchedFilePostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	e.addFile("image", "29990101000000_backfill.sql", "CREATE TABLE image__seen (id integer);\nINSERT INTO image__seen (id) SELECT id FROM core__users;\n", true)
	m := e.with(apply.WithSingleTransaction(), apply.WithGuard(apply.GuardObserve))
	_, err := m.Apply(ctx)
	require.NoError(t, err)
}

// TestPostgresOneCommandPerStatement: a plugin file whose text Atlas and
// PostgreSQL split differently (an E-string whose backslash escapes a
// quote is one string to the server, an open one to Atlas, which then reads the next line as a comment) cannot
// smuggle a command past the guard's per-statement checks: each statement
// goes in the extended protocol, which runs one command or refuses. The
// file is refused, named, and nothing of it is applied.
func TestPostgresOneCommandPerStatement(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	e.addFile("image", "29990101000000_smuggle.sql", "CREATE TABLE image__s (c text DEFAULT E'\\'' || '\n--'); CREATE TABLE image__hidden (id integer); SELECT (1\n);\n", true)
	// lint runs statements as apply does: the same refusal, in review.
	found := false
	for _, f := range lintRoot(t, e.root, testdb.Dev(t, "postgres")) {
		found = found || strings.Contains(f.Message, "cannot insert multiple commands")
	}
	require.True(t, found, "lint reports the statement")
	_, err := e.migrator().Apply(ctx)
	require.ErrorContains(t, err, "29990101000000_smuggle.sql")
	require.ErrorContains(t, err, "more than one command")
	tables, err := testdb.Rows(e.db.DB, "SELECT table_name FROM information_schema.tables WHERE table_name IN ('image__s', 'image__hidden')")
	require.NoError(t, err)
	require.Empty(t, tables)
}
