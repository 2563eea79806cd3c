package app_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/internal/testdb"
)

// pgEvilFn is a plugin function whose body is dynamic SQL: whoever calls
// it runs the string with their own privileges. PL108 asks for the
// directive, which its author writes (a reviewer may accept it for a
// function meant for the plugin's own tables): apply itself must never
// call it as the migrator.
const pgEvilFn = "-- plugmig:allow writes-core-later: builds its own table names\nCREATE FUNCTION image__f() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'DELETE FROM core__' || 'privileges'; RETURN true; END $$;\n"

func corePrivileges(t *testing.T, e *applyEnv) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.DB.QueryRow("SELECT count(*) FROM core__privileges").Scan(&n))
	return n
}

// TestAttackDataLossCountRunsPluginView: apply counts the rows of a table
// a pending plugin file drops, as the migrator, before the file runs. If
// the name is a plugin view whose WHERE calls a plugin function, the
// function runs with the migrator's privileges.
func TestAttackDataLossCountRunsPluginView(t *testing.T) {
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	dev := testdb.Dev(t, "postgres")
	e.addFile("image", "29990101000000_a.sql", pgEvilFn+"CREATE VIEW image__v AS SELECT 1 AS x WHERE image__f();\n", true)
	t.Logf("lint file a: %v", lintRoot(t, e.root, dev))
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	before := corePrivileges(t, e)
	require.Positive(t, before)

	// pg_temp.image__v does not exist: the statement is a no-op, but the
	// data-loss check counts "image__v" of the current schema.
	e.addFile("image", "29990101000001_b.sql", "DROP TABLE IF EXISTS pg_temp.image__v;\n", true)
	t.Logf("lint file b: %v", lintRoot(t, e.root, dev))
	_, err = e.migrator().Apply(ctx)
	t.Logf("apply: %v", err)
	require.Equal(t, before, corePrivileges(t, e), "the plugin's function ran as the migrator")
}

// TestAttackTriggerWritesCoreThroughInvokerView: a trigger of a plugin
// table writes a plugin view declared security_invoker over a core table.
// PL108 reads the target "image__v", owned by the plugin; when the
// application (here postgres) inserts into the plugin's table later, the
// view's permissions are checked as the application, which may write core.
func TestAttackTriggerWritesCoreThroughInvokerView(t *testing.T) {
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	dev := testdb.Dev(t, "postgres")
	e.addFile("image", "29990101000000_a.sql", "CREATE VIEW image__v WITH (security_invoker = true) AS SELECT * FROM core__privileges;\n"+
		"CREATE TABLE image__x (id integer);\n"+
		"CREATE FUNCTION image__f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM image__v; RETURN NEW; END $$;\n"+
		"CREATE TRIGGER image__x_t AFTER INSERT ON image__x FOR EACH ROW EXECUTE FUNCTION image__f();\n", true)
	fs := lintRoot(t, e.root, dev)
	t.Logf("lint: %v", fs)
	_, err := e.migrator().Apply(ctx)
	t.Logf("apply: %v", err)
	if err == nil {
		before := corePrivileges(t, e)
		_, err = e.db.DB.Exec("INSERT INTO image__x VALUES (1)") // the application
		require.NoError(t, err)
		require.Equal(t, before, corePrivileges(t, e), "the plugin's trigger wrote core as the application")
	}
	require.NotEmpty(t, fs, "lint must report it")
}

// TestAttackTriggerCallsServerFunction: a trigger function of a plugin
// table calls a server-side function only a superuser may run
// (lo_export writes a server file). The body writes no table and runs no
// utility statement; when the application, connected as a superuser,
// inserts into the plugin's table, the file is written.
func TestAttackTriggerCallsServerFunction(t *testing.T) {
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	dev := testdb.Dev(t, "postgres")
	marker := "/tmp/plugmig_attack_" + e.db.Name
	e.addFile("image", "29990101000000_a.sql", "CREATE TABLE image__x (id integer);\n"+
		"CREATE FUNCTION image__f() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE o oid; BEGIN o := lo_from_bytea(0, convert_to('pwned', 'UTF8')); PERFORM lo_export(o, '"+marker+"'); PERFORM lo_unlink(o); RETURN NEW; END $$;\n"+
		"CREATE TRIGGER image__x_t AFTER INSERT ON image__x FOR EACH ROW EXECUTE FUNCTION image__f();\n", true)
	fs := lintRoot(t, e.root, dev)
	t.Logf("lint: %v", fs)
	_, err := e.migrator().Apply(ctx)
	t.Logf("apply: %v", err)
	if err == nil {
		_, err = e.db.DB.Exec("INSERT INTO image__x VALUES (1)") // the application, as postgres
		t.Logf("application insert: %v", err)
		var exists bool
		require.NoError(t, e.db.DB.QueryRow("SELECT (pg_stat_file($1, true)).size IS NOT NULL", marker).Scan(&exists))
		require.False(t, exists, "the plugin's trigger wrote a server file as the application")
	}
	require.NotEmpty(t, fs, "lint must report it")
}

// TestAttackInvokerViewInPlainDDLFile: ALTER TABLE works on a view, and a
// file of one ALTER TABLE on the plugin's own name looks like plain DDL,
// which apply does not watch: making a view of core security_invoker there
// must still be refused by apply (PL108), not only by lint.
func TestAttackInvokerViewInPlainDDLFile(t *testing.T) {
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	e.addFile("image", "29990101000000_a.sql", "CREATE VIEW image__v AS SELECT * FROM core__privileges;\n", true)
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	e.addFile("image", "29990101000001_b.sql", "ALTER TABLE image__v SET (security_invoker = on);\n", true)
	_, err = e.migrator().Apply(ctx)
	require.Error(t, err, "apply must refuse it")
	require.Contains(t, err.Error(), "PL108")
}

// TestAttackTempHistoryShadow: the plugin's session writes its revision
// row with an unqualified INSERT INTO plugmig_history after the file's
// statements, in the same transaction; a temporary table of that name
// comes first in the search path, so the row would go there and vanish
// with the session.
func TestAttackTempHistoryShadow(t *testing.T) {
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	dev := testdb.Dev(t, "postgres")
	e.addFile("image", "29990101000000_a.sql", "CREATE TABLE image__x (id integer);\nCREATE TEMP TABLE plugmig_history (branch text, version text, description text, type text, applied integer, total integer, executed_at text, duration_us bigint, hash text, partial_hashes text, error text, error_stmt text, operator_version text, PRIMARY KEY (branch, version));\n", true)
	fs := lintRoot(t, e.root, dev)
	t.Logf("lint: %v", fs)
	_, err := e.migrator().Apply(ctx)
	t.Logf("apply: %v", err)
	var n int
	require.NoError(t, e.db.DB.QueryRow("SELECT count(*) FROM plugmig_history WHERE version = '29990101000000'").Scan(&n))
	var tables int
	require.NoError(t, e.db.DB.QueryRow("SELECT count(*) FROM pg_tables WHERE tablename = 'image__x'").Scan(&tables))
	require.True(t, err != nil || n == 1, "apply succeeded, image__x exists=%d, but recorded %d history rows", tables, n)
	if err != nil {
		require.Contains(t, err.Error(), "PL102", "refused by the observer, not by chance")
	}
	require.NotEmpty(t, fs, "lint must report it")
}

// TestAttackBackslashHidesFunctionBody: PostgreSQL reads an E-string
// whose backslash escapes a quote as one string; a reader without backslash escapes reads an open one and blanks
// the rest of the body as its contents, so the body's set_config, core
// write and CREATE ROLE went unread (lint passed, apply applied the file;
// whoever later fires the default runs them). With a backslash in the
// body, the raw text is read too: PL108 at lint and at apply.
func TestAttackBackslashHidesFunctionBody(t *testing.T) {
	t.Parallel()
	requirePL108(t, "CREATE TABLE image__t (id integer);\n"+
		"CREATE FUNCTION image__f() RETURNS integer LANGUAGE plpgsql AS $$\nBEGIN\n"+
		"  IF session_user <> current_user THEN\n"+
		"    PERFORM E'\\''; PERFORM set_config('role', session_user, true); UPDATE core__privileges SET privilege_name = 'pwned'; PERFORM 'x';\n"+
		"  END IF;\n  RETURN 1;\nEND $$;\n"+
		"ALTER TABLE image__t ADD COLUMN c integer DEFAULT image__f();\n")
}

// TestAttackLexingHidesFunctionBody: a body scan that lexes otherwise
// than the server blanks real code as a string or comment: "--" inside a
// dollar-quoted string read as a comment, "/*" and "*/" in two of them
// read as one comment around real statements, a quote inside a quoted
// identifier read as a string's start. Each hid a core write (and a
// CREATE ROLE, set_config) from lint and apply; the body is read raw too.
func TestAttackLexingHidesFunctionBody(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"dollar-dash":  "BEGIN\n  PERFORM $x$--$x$; UPDATE core__privileges SET privilege_name = 'pwned_a';\nEND",
		"dollar-slash": "BEGIN\n  PERFORM $x$/*$x$;\n  PERFORM set_config('role', 'postgres', false);\n  UPDATE core__privileges SET privilege_name = 'pwned_b';\n  PERFORM $x$*/$x$;\nEND",
		"ident-quote":  "DECLARE \"it's\" int := 1;\nBEGIN\n  UPDATE core__privileges SET privilege_name = 'pwned_c' WHERE \"it's\" = 1;\nEND",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			requirePL108(t, "CREATE FUNCTION image__f() RETURNS void LANGUAGE plpgsql AS $fn$\n"+body+"\n$fn$;\n")
		})
	}
}

// requirePL108 adds file to the image plugin and requires lint to report
// PL108 and apply to refuse it.
func requirePL108(t *testing.T, file string) {
	t.Helper()
	e := newApplyEnv(t, "postgres")
	e.addFile("image", "29990101000000_a.sql", file, true)
	fs := lintRoot(t, e.root, testdb.Dev(t, "postgres"))
	found := false
	for _, f := range fs {
		found = found || f.Code == "PL108"
	}
	require.True(t, found, "lint must report PL108: %v", fs)
	_, err := e.migrator().Apply(context.Background())
	require.ErrorContains(t, err, "PL108")
}
