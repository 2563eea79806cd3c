package app_test

import (
	"context"
	"database/sql"
	"github.com/plugmig/plugmig/engine/roles"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/internal/testdb"
)

// leftBehind is a plugin file (plugin "image") that leaves something
// behind which acts later, as whoever uses the plugin's tables. code is
// the finding lint and apply give it ("" when the file is accepted because
// what it leaves runs with the plugin's rights); later are the
// application's statements on the plugin's tables afterwards, run (errors
// allowed) before and after core creates a table the file named before it
// existed. Whatever happened, core's schema and rows, the application
// session's settings and the next apply must be as before.
type leftBehind struct {
	name, file, code string
	setup            string // a core migration before the file (a core routine, say)
	later            []string
}

// The attacks of issue 19's Why section (PostgreSQL).
var pgLeftBehind = []leftBehind{
	{name: "SQL-standard function as a column default deletes core rows",
		file: "CREATE FUNCTION image__f() RETURNS text LANGUAGE sql BEGIN ATOMIC DELETE FROM core__local_users; SELECT 'x'; END;\n" +
			"CREATE TABLE image__t (id integer, v text DEFAULT image__f());\n",
		later: []string{"INSERT INTO image__t (id) VALUES (1)", "INSERT INTO image__t (id, v) VALUES (2, 'y')"}},
	{name: "SQL-standard function called by a trigger makes a user admin",
		file: "CREATE FUNCTION image__grant() RETURNS integer LANGUAGE sql BEGIN ATOMIC INSERT INTO core__privileges_users VALUES (1, 1); SELECT 1; END;\n" +
			"CREATE TABLE image__t (id integer);\n" +
			"CREATE FUNCTION image__tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM image__grant(); RETURN NEW; END $$;\n" +
			"CREATE TRIGGER image__t_ins BEFORE INSERT ON image__t FOR EACH ROW EXECUTE FUNCTION image__tf();\n",
		later: []string{"INSERT INTO image__t VALUES (1)"}},
	{name: "setval of a core sequence as a column default",
		file:  "CREATE TABLE image__t (id integer, rating text);\nALTER TABLE image__t ALTER COLUMN rating SET DEFAULT setval('core__users_id_seq', 1)::text;\n",
		code:  "PL110",
		later: []string{"INSERT INTO image__t (id) VALUES (1)"}},
	{name: "setval of a core sequence in a check",
		file:  "CREATE TABLE image__t (id integer, rating text CHECK (setval('core__users_id_seq', 1) > 0));\n",
		code:  "PL110",
		later: []string{"INSERT INTO image__t (id, rating) VALUES (1, 'x')"}},
	{name: "nextval of a core sequence by late binding in a default",
		file:  "CREATE TABLE image__t (id integer, n bigint DEFAULT nextval('core__users_id_seq'::text));\n",
		code:  "PL110",
		later: []string{"INSERT INTO image__t (id) VALUES (1)"}},
	{name: "trigger writes a core table that does not exist yet",
		file: "CREATE TABLE image__t (id integer);\n" +
			"CREATE FUNCTION image__tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO core__later VALUES (NEW.id); RETURN NEW; END $$;\n" +
			"CREATE TRIGGER image__t_ins AFTER INSERT ON image__t FOR EACH ROW EXECUTE FUNCTION image__tf();\n",
		code:  "PL108", // the body's text names a table the plugin does not own: a hint, kept
		later: []string{"INSERT INTO image__t VALUES (1)"}},
	{name: "trigger writes core without a space before the quoted name",
		file: "CREATE TABLE image__t (id integer);\n" +
			"CREATE FUNCTION image__tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE\"core__users\"SET bio = 'pwned'; RETURN NEW; END $$;\n" +
			"CREATE TRIGGER image__t_ins AFTER INSERT ON image__t FOR EACH ROW EXECUTE FUNCTION image__tf();\n",
		later: []string{"INSERT INTO image__t VALUES (1)"}},
	{name: "trigger writes core behind nested comments",
		file: "CREATE TABLE image__t (id integer);\n" +
			"CREATE FUNCTION image__tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE/* /* */ image__t */core__users SET bio = 'pwned'; RETURN NEW; END $$;\n" +
			"CREATE TRIGGER image__t_ins AFTER INSERT ON image__t FOR EACH ROW EXECUTE FUNCTION image__tf();\n",
		later: []string{"INSERT INTO image__t VALUES (1)"}},
	{name: "trigger sets session_replication_role through a quoted name",
		file: "CREATE TABLE image__t (id integer);\n" +
			"CREATE FUNCTION image__tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_catalog.\"set_config\"('session_replication_role', 'replica', false); RETURN NEW; END $$;\n" +
			"CREATE TRIGGER image__t_ins AFTER INSERT ON image__t FOR EACH ROW EXECUTE FUNCTION image__tf();\n",
		later: []string{"INSERT INTO image__t VALUES (1)", "INSERT INTO core__privileges_users VALUES (4242, 4242)"}},
	{name: "trigger runs a routine the plugin does not own",
		setup: "CREATE FUNCTION core__touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.v := 'touched'; RETURN NEW; END $$",
		file: "CREATE TABLE image__t (id integer, v text);\n" +
			"CREATE TRIGGER image__t_ins BEFORE INSERT ON image__t FOR EACH ROW EXECUTE FUNCTION core__touch();\n",
		code: "PL112", later: []string{"INSERT INTO image__t VALUES (1, 'x')"}},
	{name: "large object", file: "SELECT lo_from_bytea(0, convert_to('x', 'UTF8'));\n", code: "PL109"},
	{name: "type squatting a core name", file: "CREATE TYPE core__media_archive AS (a integer);\n", code: "PL102",
		later: []string{"CREATE TABLE core__media_archive (id integer)", "DROP TABLE core__media_archive"}},
	{name: "default privileges to PUBLIC", file: "ALTER DEFAULT PRIVILEGES GRANT ALL ON TABLES TO PUBLIC;\n", code: "PL111"},
	{name: "grant on its own table to PUBLIC", file: "CREATE TABLE image__t (id integer);\nGRANT ALL ON image__t TO PUBLIC;\n", code: "PL111"},
	// A column-level GRANT writes only pg_attribute: the table's own row is
	// untouched, and the check read only relations a file touched.
	{name: "column grant on an existing table to PUBLIC", file: "GRANT SELECT (width) ON image__mediadata TO PUBLIC;\n", code: "PL111"},
	{name: "identity sequence named for core in plain DDL", file: "CREATE TABLE image__t (id integer GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME core__new));\n", code: "PL102",
		later: []string{"CREATE SEQUENCE core__new", "DROP SEQUENCE core__new"}},
	{name: "primary key index named for core in plain DDL", file: "CREATE TABLE image__t (id integer, CONSTRAINT/**/core__new/**/PRIMARY KEY (id));\n", code: "PL102",
		later: []string{"CREATE TABLE core__new (id integer)", "DROP TABLE core__new"}},
	{name: "advisory lock in a view", file: "CREATE VIEW image__v AS SELECT pg_try_advisory_lock(31632757424057703) AS locked;\n", code: "PL110",
		later: []string{"SELECT * FROM image__v"}},
	{name: "trigger takes apply's old advisory lock key in the application's session",
		file: "CREATE TABLE image__t (id integer);\n" +
			"CREATE FUNCTION image__tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_try_advisory_lock(31632757424057703); RETURN NEW; END $$;\n" +
			"CREATE TRIGGER image__t_ins AFTER INSERT ON image__t FOR EACH ROW EXECUTE FUNCTION image__tf();\n",
		later: []string{"INSERT INTO image__t VALUES (1)"}},
	{name: "setval default behind standard_conforming_strings off (found by the attacker round)",
		file:  "SET standard_conforming_strings = off;\nCREATE TABLE image__t (id integer, n bigint DEFAULT setval('core__users_id_seq', 1));\n",
		code:  "PL110",
		later: []string{"INSERT INTO image__t (id) VALUES (1)"}},
	{name: "domain check calls an advisory lock",
		file: "CREATE DOMAIN image__d AS integer;\nCREATE TABLE image__t (id image__d);\n" +
			"ALTER DOMAIN image__d ADD CONSTRAINT image__d_check CHECK (pg_try_advisory_lock(31632757424057703) IS NOT NULL);\n",
		code:  "PL110",
		later: []string{"INSERT INTO image__t VALUES (1)"}},
	{name: "routine deletes its own branch's history when the application calls it",
		file:  "CREATE FUNCTION image__forget() RETURNS void LANGUAGE sql BEGIN ATOMIC DELETE FROM plugmig_history WHERE branch = 'image'; END;\n",
		later: []string{"SELECT image__forget()"}},
	{name: "invoker routine called by the application", file: "CREATE TABLE image__t (id integer);\nCREATE FUNCTION image__wipe() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELETE FROM image__t; END $$;\n",
		later: []string{"SELECT image__wipe()"}},
}

// TestPostgresLeftBehind: every attack of issue 19 on PostgreSQL is
// refused by lint and apply with its own code and the database unchanged,
// or accepted because what it leaves behind runs with the plugin's rights;
// either way the application's later use of the plugin's tables (with and
// without values for defaulted columns, in a session that stays open, once
// core created a table the file named) leaves core, the session's
// settings and the next apply as they were.
func TestPostgresLeftBehind(t *testing.T) {
	t.Parallel()
	inShards(t, pgLeftBehind, func(t *testing.T, cases []leftBehind) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { checkLeftBehind(t, c) })
		}
	})
}

func checkLeftBehind(t *testing.T, c leftBehind) {
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	if c.setup != "" {
		e.addFile("core", "29990101000000_setup.sql", c.setup+";\n", true) // on the target and on lint's scratch database
	}
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	_, err = e.db.DB.Exec(`INSERT INTO core__users (id, bio, created, updated) VALUES (1, 'bio', now(), now());
		INSERT INTO core__privileges (id, privilege_name) VALUES (1, 'admin') ON CONFLICT DO NOTHING;
		INSERT INTO core__local_users (id, username, email) VALUES (1, 'alice', 'a@example.org')`)
	require.NoError(t, err)
	before := e.coreDump()

	e.addFile("image", "29990101000000_left.sql", c.file, true)
	var codes []string
	for _, f := range lintRoot(t, e.root, testdb.Dev(t, "postgres")) {
		codes = append(codes, f.Code)
		t.Logf("lint: %s %s: %s", f.Code, f.Object, f.Message)
	}
	_, applyErr := e.migrator().Apply(ctx)
	t.Logf("lint: %v; apply: %v", codes, applyErr)
	if c.code != "" {
		require.Contains(t, codes, c.code, "lint")
		require.ErrorContains(t, applyErr, c.code, "apply")
		require.Equal(t, before, e.coreDump(), "apply changed core")
	} else {
		require.NotContains(t, codes, "PL102", "lint")
		require.NoError(t, applyErr)
		var invokers int
		require.NoError(t, e.db.DB.QueryRow(`SELECT count(*) FROM pg_proc WHERE proname LIKE 'image\_\_%' AND NOT (prosecdef AND proconfig::text LIKE '%search_path=%')`).Scan(&invokers))
		require.Zero(t, invokers, "a routine of the plugin runs with its caller's rights")
	}

	// The application, in one session that stays open, as a superuser.
	app, err := e.db.DB.Conn(ctx)
	require.NoError(t, err)
	defer app.Close()
	laterActivity(t, app, c.later)
	_, err = e.db.DB.Exec("CREATE TABLE core__later (id integer)")
	require.NoError(t, err)
	laterActivity(t, app, c.later)
	var n int
	require.NoError(t, e.db.DB.QueryRow("SELECT count(*) FROM core__later").Scan(&n))
	require.Zero(t, n, "the plugin wrote core's later table")
	_, err = e.db.DB.Exec("DROP TABLE core__later")
	require.NoError(t, err)
	var role string
	require.NoError(t, app.QueryRowContext(ctx, "SHOW session_replication_role").Scan(&role))
	require.Equal(t, "origin", role, "the application's session settings changed")
	require.Equal(t, before, e.coreDump(), "later activity changed core")

	// The next apply, with the application's session still open.
	if c.code != "" {
		e.removeFile("image", "29990101000000_left.sql")
	}
	e.addFile("image", "29990101000001_next.sql", "CREATE TABLE image__next (id integer);\n", true)
	_, err = e.with(apply.WithLockTimeout(5 * time.Second)).Apply(ctx)
	require.NoError(t, err, "the next apply")
}

// laterActivity runs the application's statements on its session, each
// in its own transaction (a refused one aborts only itself).
func laterActivity(t *testing.T, app *sql.Conn, stmts []string) {
	t.Helper()
	for _, st := range stmts {
		_, err := app.ExecContext(context.Background(), st)
		t.Logf("application: %s: %v", st, err)
	}
}

// TestPostgresPluginFunctionChangesNoSchemaLater (issue 19): a plugin's
// function runs as its role, so one the application calls later could
// alter, drop or grant away the plugin's tables outside any migration. The
// event trigger apply installs (apply.DDLGuard) refuses DDL by a plugin's
// role on any session not logged in as it: the database decides from who
// runs, whatever the function's text. The same DDL in a migration file
// (apply's session, logged in as the role) still runs.
func TestPostgresPluginFunctionChangesNoSchemaLater(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	e.addFile("image", "29990101000000_evolve.sql", `-- plugmig:allow writes-core-later: changes only the plugin's own table, as this test's attacker
CREATE FUNCTION image__evolve() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'ALTER TABLE image__mediadata ADD COLUMN later integer'; END $$;
`, true)
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	var guards int
	require.NoError(t, e.db.DB.QueryRow(`SELECT count(*) FROM pg_event_trigger WHERE evtname = $1 AND evtenabled <> 'D'`, apply.DDLGuard).Scan(&guards))
	require.Equal(t, 1, guards, "apply installed the event trigger")

	// The application (here the migrator's own user, a member of every
	// plugin role) calls the function later.
	_, err = e.db.DB.Exec(`SELECT image__evolve()`)
	require.ErrorContains(t, err, "ALTER TABLE by the plugin role")
	require.ErrorContains(t, err, "outside apply")
	var cols int
	require.NoError(t, e.db.DB.QueryRow(`SELECT count(*) FROM information_schema.columns WHERE table_name = 'image__mediadata' AND column_name = 'later'`).Scan(&cols))
	require.Zero(t, cols, "the function changed nothing")

	// In a migration file the plugin still changes its own schema.
	e.addFile("image", "29990101000001_more.sql", "ALTER TABLE image__mediadata ADD COLUMN sooner integer;\n", true)
	_, err = e.migrator().Apply(ctx)
	require.NoError(t, err)
	_, err = e.migrator().Apply(ctx)
	require.NoError(t, err, "a second run finds the guard in place")
}

// TestPostgresColumnGrantsRevoked (issue 19): a plugin's role holds exactly
// its privileges; a column-level privilege on a core table granted to it
// by hand (UPDATE (bio) ON core__users) is revoked before its next file
// runs, like a table-level one.
func TestPostgresColumnGrantsRevoked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	role := roles.Name(e.db.Name, "image")
	_, err = e.db.DB.Exec(`GRANT UPDATE (bio), INSERT (bio) ON core__users TO ` + roles.QuotePG(role))
	require.NoError(t, err)
	can := func() bool {
		var ok bool
		require.NoError(t, e.db.DB.QueryRow(`SELECT has_column_privilege($1, 'core__users', 'bio', 'UPDATE')`, role).Scan(&ok))
		return ok
	}
	require.True(t, can(), "granted by hand")
	e.addFile("image", "29990101000000_more.sql", "ALTER TABLE image__mediadata ADD COLUMN later integer;\n", true)
	_, err = e.migrator().Apply(ctx)
	require.NoError(t, err)
	require.False(t, can(), "revoked before the plugin's file ran")
	var read bool
	require.NoError(t, e.db.DB.QueryRow(`SELECT has_table_privilege($1, 'core__users', 'SELECT')`, role).Scan(&read))
	require.True(t, read, "its own privileges on core stay")
}

// TestPostgresNeverTakesAnotherPluginsObject (found by an attacker): apply
// gives a plugin's role the relations named as the plugin's, but never
// one another plugin's role owns: a name both could claim would hand one
// plugin the other's object (and plugin remove would drop it).
func TestPostgresNeverTakesAnotherPluginsObject(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	image := roles.Name(e.db.Name, "image")
	_, err = e.db.DB.Exec(`CREATE TABLE archivalook__stolen (id integer); ALTER TABLE archivalook__stolen OWNER TO ` + roles.QuotePG(image))
	require.NoError(t, err)
	e.addFile("archivalook", "29990101000000_more.sql", "ALTER TABLE archivalook__featured_media ADD COLUMN later integer;\n", true)
	_, err = e.migrator().Apply(ctx)
	require.ErrorContains(t, err, `TABLE archivalook__stolen belongs to plugin "archivalook" but is owned by `+image+", another plugin's role: nothing was moved")
	var owner string
	require.NoError(t, e.db.DB.QueryRow(`SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'archivalook__stolen'`).Scan(&owner))
	require.Equal(t, image, owner)
}
