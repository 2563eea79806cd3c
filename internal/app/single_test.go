package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/testdb"
)

// TestSingleTransaction: with WithSingleTransaction, a failure in the last
// file of the last branch leaves the database exactly as it was (no
// table, no history, no seed row), on a fresh database and on one with
// history; without the failure every branch is applied at once.
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
				"postgres": "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()",
			}[d])
			require.NoError(t, err)
			require.Empty(t, tables, "not even the history table")

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
			require.Equal(t, map[string]int{"core": 0, "archivalook": 0, "image": 1, "mediasecurity": 2}, appliedFiles(res))
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
			require.Equal(t, map[string]int{"core": 0, "archivalook": 0, "image": 0, "mediasecurity": 1}, appliedFiles(res))
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

// TestSingleTransactionGuardPostgres: in a single-transaction run on
// PostgreSQL a plugin file still runs under its plugin's role (set with
// its first statement): a write to core is refused by the database, the
// whole run rolls back, and the run says that the guard is weaker.
func TestSingleTransactionGuardPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	e.addFile("image", "29990101000000_bad.sql", "ALTER TABLE core__users ADD COLUMN pwn integer;\n", true)
	comp, err := app.Composer()
	require.NoError(t, err)
	var progress strings.Builder
	m, err := apply.New(e.db.DB, "postgres", comp, app.DiskSources(e.root), apply.WithSingleTransaction(), apply.WithProgress(&progress))
	require.NoError(t, err)
	_, err = m.Apply(ctx)
	require.ErrorContains(t, err, "29990101000000_bad.sql")
	require.ErrorContains(t, err, "the whole run was rolled back")
	require.ErrorContains(t, err, "core__users")
	require.Contains(t, progress.String(), "WARNING: --single-transaction")
	require.Equal(t, "", e.snapshot())
}

// TestSingleTransactionRoleEscapeCaught: in a single-transaction run on
// PostgreSQL, a plugin file that sets its role back with dynamic SQL (the
// static checks cannot see the name) is caught by the check sent with its
// revision, and the whole run rolls back.
func TestSingleTransactionRoleEscapeCaught(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	e.addFile("image", "29990101000000_escape.sql", "CREATE TABLE image__x (id integer);\nDO $$ BEGIN EXECUTE 'SELECT set_config(' || quote_literal('ro' || 'le') || ', ''none'', true)'; END $$;\n", true)
	m := e.with(apply.WithSingleTransaction())
	_, err := m.Apply(ctx)
	require.ErrorContains(t, err, "PL107 changes the role it runs as (from plugmig_image_")
	require.ErrorContains(t, err, "the whole run was rolled back")
	require.Equal(t, "", e.snapshot())
}

// TestSingleTransactionRoleCheckAfterPlainDDL: a plugin file of plain DDL
// (the observer does not watch it) whose column default calls the
// plugin's own function, which switches the role back for the rest of
// the transaction (allowed by its author, past the observer's PL108), is
// caught by the check that runs after every plugin file, and the whole run
// rolls back.
func TestSingleTransactionRoleCheckAfterPlainDDL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	e.addFile("image", "29990101000000_fn.sql", "CREATE TABLE image__t (id integer);\n"+
		"-- plugmig:allow writes-core-later: the author vouches for it\n"+
		"CREATE FUNCTION image__f() RETURNS integer LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_catalog.set_config('ro' || 'le', 'none', true); RETURN 1; END $$;\n"+
		"INSERT INTO image__t (id) VALUES (1);\n", true)
	e.addFile("image", "29990102000000_plain.sql", "ALTER TABLE image__t ADD COLUMN c integer DEFAULT image__f();\n", true)
	_, err := e.with(apply.WithSingleTransaction()).Apply(ctx)
	require.ErrorContains(t, err, `29990102000000_plain.sql: after the file's last statement: the file changed the role it runs as (now "postgres", expected "plugmig_image_`)
	require.ErrorContains(t, err, "the whole run was rolled back")
	require.Equal(t, "", e.snapshot())
}

// TestSingleTransactionWatchedFilePostgres: a plugin file the observer
// watches (a backfill reading core) passes in a single-transaction run
// after core's seed rows moved core's sequences: the observer reads the
// catalog as the plugin's role before and after alike (a role sees a core
// sequence's position as NULL; read once as the migrator and once as the
// role, it looked changed: a false PL104).
func TestSingleTransactionWatchedFilePostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	e.addFile("image", "29990101000000_backfill.sql", "CREATE TABLE image__seen (id integer);\nINSERT INTO image__seen (id) SELECT id FROM core__users;\n", true)
	m := e.with(apply.WithSingleTransaction())
	_, err := m.Apply(ctx)
	require.NoError(t, err)
}
