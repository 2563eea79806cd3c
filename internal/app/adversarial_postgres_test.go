package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/lint"
	"github.com/plugmig/plugmig/engine/plan"
	"github.com/plugmig/plugmig/engine/roles"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/dbdriver"
	"github.com/plugmig/plugmig/internal/testdb"
)

// pgState is what no plugin file may change on PostgreSQL beyond rows and
// columns: owners, privileges, replica identity, storage and statistics
// targets, triggers' enabled state, inheritance, clustering, sequences,
// extended statistics, publications, event triggers, extensions, large
// objects, database settings and comments, default privileges and roles.
const pgState = `
SELECT concat_ws(' ', 'rel', c.relname, c.relkind, pg_get_userbyid(c.relowner), c.relacl::text, c.relreplident, c.reloptions::text,
  (SELECT string_agg(concat_ws(':', a.attname, a.attstattarget, a.attstorage, pg_get_expr(d.adbin, d.adrelid)), ',' ORDER BY a.attnum)
     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped))
  FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relname NOT LIKE 'image\_\_%'
UNION ALL SELECT concat_ws(' ', 'trigger', tgname, tgrelid::regclass::text, tgenabled::text) FROM pg_trigger
UNION ALL SELECT concat_ws(' ', 'inherits', inhrelid::regclass::text, inhparent::regclass::text) FROM pg_inherits
UNION ALL SELECT concat_ws(' ', 'index', indexrelid::regclass::text, indisclustered::text) FROM pg_index WHERE indrelid::regclass::text LIKE 'core\_\_%'
UNION ALL SELECT concat_ws(' ', 'sequence', sequencename, last_value::text) FROM pg_sequences
UNION ALL SELECT concat_ws(' ', 'statistics', stxname) FROM pg_statistic_ext
UNION ALL SELECT concat_ws(' ', 'publication', pubname) FROM pg_publication
UNION ALL SELECT concat_ws(' ', 'event trigger', evtname) FROM pg_event_trigger
UNION ALL SELECT concat_ws(' ', 'extension', extname) FROM pg_extension
UNION ALL SELECT concat_ws(' ', 'large objects', count(*)::text) FROM pg_largeobject_metadata
UNION ALL SELECT concat_ws(' ', 'setting', setrole::text, setconfig::text) FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
UNION ALL SELECT concat_ws(' ', 'database', datname, pg_get_userbyid(datdba), datacl::text, shobj_description(oid, 'pg_database')) FROM pg_database WHERE datname = current_database()
UNION ALL SELECT concat_ws(' ', 'default acl', defaclrole::regrole::text, defaclacl::text) FROM pg_default_acl
UNION ALL SELECT concat_ws(' ', 'role', rolname, rolsuper, rolcreaterole, rolcanlogin) FROM pg_roles WHERE rolname LIKE 'image%' OR rolname LIKE 'evil%'
UNION ALL SELECT concat_ws(' ', 'function', proname, pg_get_userbyid(proowner)) FROM pg_proc WHERE pronamespace = 'public'::regnamespace`

func postgresState(a *adversary) string {
	rows, err := testdb.Rows(a.e.db.DB, pgState)
	require.NoError(a.t, err)
	return strings.Join(rows, "\n")
}

// pgAttacks are the PostgreSQL cases of issue 10 and more: each is refused
// by the database itself under the plugin's role.
var pgAttacks = []attack{
	// Created under core's name, renamed to the plugin's in the same file:
	// lint reports the core name (PL101, and no longer its own write
	// recorder as PL112); apply judges the file's end, where only the
	// plugin's name is left (serverNoops).
	{"core name renamed to the plugin's", "CREATE TABLE core__zz (id integer);\nALTER TABLE core__zz RENAME TO image__zz;"},
	{"disable every trigger of core", "ALTER TABLE core__users DISABLE TRIGGER ALL;"},
	{"setval in a column default", "CREATE TABLE image__x (id integer, v bigint DEFAULT setval('core__users_id_seq', 100000));\nINSERT INTO image__x (id) VALUES (1);"},
	{"setval in a check constraint", "CREATE TABLE image__x (id integer CHECK (setval('core__users_id_seq', 100000) > 0));\nINSERT INTO image__x (id) VALUES (1);"},
	{"nextval of core in a default", "CREATE TABLE image__x (id integer, v bigint DEFAULT nextval('core__users_id_seq'));\nINSERT INTO image__x (id) VALUES (1);"},
	{"setval of core", "SELECT setval('core__users_id_seq', 100000);"},
	{"restart a core sequence", "ALTER SEQUENCE core__users_id_seq RESTART WITH 5000;"},
	{"default calling a function that deletes core rows", "CREATE FUNCTION image__wipe() RETURNS integer LANGUAGE sql AS $$ DELETE FROM core__privileges; SELECT 1 $$;\nCREATE TABLE image__x (id integer, v integer DEFAULT image__wipe());\nINSERT INTO image__x (id) VALUES (1);"},
	{"COPY TO PROGRAM", "COPY (SELECT 1) TO PROGRAM 'touch {{marker}}';"},
	{"dblink into another database", "CREATE EXTENSION IF NOT EXISTS dblink;\nSELECT dblink_exec('dbname={{other}}', 'DELETE FROM victim');"},
	{"create a role", "CREATE ROLE evil_role LOGIN SUPERUSER;"},
	{"alter the database's search_path", "ALTER DATABASE {{db}} SET search_path = image__shadow, public;"},
	{"comment on the database", "COMMENT ON DATABASE {{db}} IS 'mine';"},
	{"event trigger", "CREATE FUNCTION image__et() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;\nCREATE EVENT TRIGGER image__et ON ddl_command_start EXECUTE FUNCTION image__et();"},
	{"table inheriting core", "CREATE TABLE image__child (x integer) INHERITS (core__tags);"},
	{"core inheriting a plugin table", "CREATE TABLE image__p (x integer);\nALTER TABLE core__tags INHERIT image__p;"},
	{"core table given away", "ALTER TABLE core__tags OWNER TO CURRENT_USER;"},
	{"own table given to the migrator", "CREATE TABLE image__x (id integer);\nALTER TABLE image__x OWNER TO postgres;"},
	{"default privileges of another role", "ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT ALL ON TABLES TO PUBLIC;"},
	{"unique constraint named for another plugin", "ALTER TABLE image__mediadata ADD CONSTRAINT archivalook__later_key UNIQUE (media_entry);"},
	{"set the role back to the migrator", "SELECT set_config('role', 'postgres', true);\nALTER TABLE core__users ADD COLUMN pwn integer;"},
	{"set the role back in dynamic SQL", "DO $$ BEGIN EXECUTE 'SET ROL' || 'E postgres'; EXECUTE 'ALTER TABLE core__users ADD COLUMN pwn integer'; EXECUTE 'RESET ROL' || 'E'; END $$;"},
	{"session authorization", "SET SESSION AUTHORIZATION postgres;\nDROP TABLE core__reports;"},
	{"reset the role then write core", "DO $$ BEGIN PERFORM set_config('role', 'none', true); EXECUTE 'DELETE FROM core__privileges'; END $$;"},
	{"operator shadowing = for the migrator's queries", "CREATE FUNCTION image__eq(varchar, varchar) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;\nCREATE OPERATOR = (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = image__eq);"},
	{"function shadowing lower() for the migrator's queries", "CREATE FUNCTION lower(varchar) RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$;"},
	{"history of another branch", "DELETE FROM plugmig_history WHERE branch = 'core';"},
	{"history of its own branch", "UPDATE plugmig_history SET version = '99990101000000' WHERE branch = 'image';"},
	{"replica identity of core", "ALTER TABLE core__users REPLICA IDENTITY FULL;"},
	{"statistics target of a core column", "ALTER TABLE core__users ALTER COLUMN bio SET STATISTICS 1000;"},
	{"storage of a core column", "ALTER TABLE core__users ALTER COLUMN bio SET STORAGE EXTERNAL;"},
	{"cluster core on an index", "ALTER TABLE core__users CLUSTER ON core__users_pkey;"},
	{"extended statistics on core", "CREATE STATISTICS image__s ON id, bio FROM core__users;"},
	{"publication of core", "CREATE PUBLICATION image__pub FOR TABLE core__users;"},
	{"write core through a view", "CREATE VIEW image__v AS SELECT * FROM core__users;\nUPDATE image__v SET bio = 'x';"},
	{"sequence owned by a core column", "CREATE SEQUENCE image__s OWNED BY core__users.id;"},
	{"large object from a server file", "SELECT lo_import('/etc/hostname');"},
	{"grant on core", "GRANT SELECT ON core__users TO PUBLIC;"},
	{"trusted extension", "CREATE EXTENSION IF NOT EXISTS pgcrypto;"},
	{"schema of its own", "CREATE SCHEMA image__s;"},
	{"truncate core", "TRUNCATE core__nonce_timestamps;"},
	{"outside a transaction", "-- atlas:txmode none\n\nALTER TABLE core__users DISABLE TRIGGER ALL;"},
	// An attacker's round on apply's whole-file check: a file's last SET
	// of search_path blinded the check's reads of the current schema, and
	// catalog rows written in a subtransaction carry an ID of their own.
	{"search path set at the end", "CREATE TABLE image__x (id integer);\nCREATE VIEW image__v WITH (security_invoker = true) AS SELECT id, bio FROM core__users;\nCREATE RULE image__r AS ON INSERT TO image__x DO ALSO UPDATE image__v SET bio = 'pwned';\nSET LOCAL search_path = pg_catalog;"},
	{"own history with the search path emptied", "UPDATE plugmig_history SET version = '99990101000000' WHERE branch = 'image';\nSELECT set_config('search_path', '', true);"},
	{"objects made in a function's subtransaction", "CREATE TABLE image__x (id integer);\nCREATE FUNCTION image__mk() RETURNS void LANGUAGE plpgsql AS $$ BEGIN BEGIN CREATE VIEW image__v WITH (security_invoker = true) AS SELECT id, bio FROM core__users; CREATE RULE image__r AS ON INSERT TO image__x DO ALSO UPDATE image__v SET bio = 'pwned'; EXCEPTION WHEN division_by_zero THEN NULL; END; END $$;\nSELECT image__mk();\nDROP FUNCTION image__mk();"},
	{"objects made in a DO block's subtransaction", "CREATE TABLE image__x (id integer);\nDO $$ BEGIN BEGIN CREATE VIEW image__v WITH (security_invoker = true) AS SELECT id, bio FROM core__users; CREATE RULE image__r AS ON INSERT TO image__x DO ALSO UPDATE image__v SET bio = 'pwned'; EXCEPTION WHEN division_by_zero THEN NULL; END; END $$;"},
}

// TestAdversarialPostgres: every attack is reported by lint (which runs it
// on its scratch database as the plugin's role) and refused by apply, and
// nothing changes: the target, the other database, the server's roles and
// settings, the file system.
func TestAdversarialPostgres(t *testing.T) {
	t.Parallel()
	runAttacks(t, "postgres", postgresState, pgAttacks)
}

// TestPostgresOwnTableInsertInOneRun: a plugin file that creates its own
// table and inserts into it passes when applied in the same run as core's
// files (row statistics of earlier transactions in the session are not
// blamed on it).
func TestPostgresOwnTableInsertInOneRun(t *testing.T) {
	t.Parallel()
	e := newApplyEnv(t, "postgres")
	e.addFile("image", "29990101000000_notes.sql", "CREATE TABLE image__notes (id integer NOT NULL PRIMARY KEY, body text NULL);\nINSERT INTO image__notes (id, body) VALUES (1, 'x');\nUPDATE image__notes SET body = 'y';\n", true)
	_, err := e.migrator().Apply(context.Background())
	require.NoError(t, err)
}

// TestMustPassPostgres: what a plugin may do passes lint and apply, each
// file alone and all together in one fresh run.
func TestMustPassPostgres(t *testing.T) {
	t.Parallel()
	mustPass(t, "postgres", []attack{
		{"own table ddl and dml", "CREATE TABLE image__notes (id serial PRIMARY KEY, media_entry integer NOT NULL REFERENCES core__media_entries (id), body text NULL);\nCREATE INDEX image__notes_media ON image__notes (media_entry);\nINSERT INTO image__notes (media_entry, body) SELECT id, title FROM core__media_entries;\nUPDATE image__notes SET body = 'x' WHERE id > 0;\nDELETE FROM image__notes WHERE body IS NULL;\nALTER TABLE image__notes RENAME COLUMN body TO text;\nCOMMENT ON TABLE image__notes IS 'notes';\n"},
		{"own trigger and function", "CREATE TABLE image__log (id integer);\nCREATE FUNCTION image__touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.id := coalesce(NEW.id, 0); RETURN NEW; END $$;\nCREATE TRIGGER image__log_touch BEFORE INSERT ON image__log FOR EACH ROW EXECUTE FUNCTION image__touch();\nINSERT INTO image__log VALUES (NULL);\n"},
		{"own view over core", "CREATE VIEW image__recent AS SELECT id, title FROM core__media_entries;\n"},
		{"backfill reading core", "ALTER TABLE image__mediadata ADD COLUMN image__seen boolean NOT NULL DEFAULT false;\nUPDATE image__mediadata SET image__seen = true WHERE media_entry IN (SELECT id FROM core__media_entries);\n"},
		{"own sequence", "CREATE SEQUENCE image__counter;\nSELECT setval('image__counter', 10);\nSELECT nextval('image__counter');\n"},
	})
}

// TestPostgresRolesByDBA: a migrator that may not create roles is stopped
// before any SQL with the exact SQL a DBA runs; once a DBA ran it, apply
// works; --guard=observe works without it, saying it is weaker.
func TestPostgresRolesByDBA(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	admin := testdb.Postgres(t) // an admin connection; its database is unused
	user := "t_migrator_" + strings.ToLower(roles.Password()[:8])
	_, err := admin.DB.Exec("CREATE ROLE " + user + " LOGIN NOCREATEROLE")
	require.NoError(t, err)
	t.Cleanup(func() { admin.DB.Exec("DROP ROLE IF EXISTS " + user) })
	for _, mode := range []string{apply.GuardEnforce, apply.GuardObserve} {
		t.Run(mode, func(t *testing.T) {
			e := newApplyEnv(t, "postgres")
			_, err := e.db.DB.Exec("GRANT ALL ON SCHEMA public TO " + user)
			require.NoError(t, err)
			url := strings.Replace(e.db.URL, "postgres@", user+"@", 1)
			_, db, err := dbdriver.Open(ctx, url)
			require.NoError(t, err)
			defer db.Close()
			comp, err := app.Composer()
			require.NoError(t, err)
			var progress strings.Builder
			m, err := apply.New(db, "postgres", comp, app.DiskSources(e.root), apply.WithGuard(mode), apply.WithProgress(&progress), apply.WithScratchURL(testdb.DevURL(t, "postgres")))
			require.NoError(t, err)
			_, err = m.Apply(ctx)
			if mode == apply.GuardObserve {
				require.NoError(t, err)
				require.Contains(t, progress.String(), "WARNING: --guard=observe")
				return
			}
			require.ErrorIs(t, err, apply.ErrRoles)
			refusal := err.Error()
			tables, err := testdb.Rows(e.db.DB, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '"+apply.LockTable+"'")
			require.NoError(t, err)
			require.Empty(t, tables, "nothing ran")
			script, _, err := m.RolesSQL(ctx)
			require.NoError(t, err)
			require.Contains(t, refusal, script, "the refusal prints the exact SQL of roles --print")
			_, err = e.db.DB.Exec(script) // the DBA runs it
			require.NoError(t, err)
			_, err = m.Apply(ctx)
			require.NoError(t, err)
			var owner string
			require.NoError(t, e.db.DB.QueryRow("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'image__mediadata'").Scan(&owner))
			require.Equal(t, roles.Name(e.db.Name, "image"), owner)
		})
	}
}

// TestPostgresOwnershipMovedOnce: plugin tables created by the migrator
// (here with --guard=observe, as before roles existed) move to the
// plugin's role before its next file runs, once, with a line saying so.
func TestPostgresOwnershipMovedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	comp, err := app.Composer()
	require.NoError(t, err)
	migrator := func(progress *strings.Builder, mode string) *apply.Migrator {
		m, err := apply.New(e.db.DB, "postgres", comp, app.DiskSources(e.root), apply.WithGuard(mode), apply.WithProgress(progress), apply.WithScratchURL(testdb.DevURL(t, "postgres")))
		require.NoError(t, err)
		return m
	}
	owner := func() string {
		var o string
		require.NoError(t, e.db.DB.QueryRow("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'image__mediadata'").Scan(&o))
		return o
	}
	var out strings.Builder
	_, err = migrator(&out, apply.GuardObserve).Apply(ctx)
	require.NoError(t, err)
	require.Equal(t, "postgres", owner())

	e.addFile("image", "29990101000000_a.sql", "ALTER TABLE image__mediadata ADD COLUMN a integer NULL;\n", true)
	out.Reset()
	_, err = migrator(&out, apply.GuardEnforce).Apply(ctx)
	require.NoError(t, err)
	role := roles.Name(e.db.Name, "image")
	require.Equal(t, role, owner())
	require.Contains(t, out.String(), "moved 1 object(s) to role "+role)
	require.Contains(t, out.String(), "image__mediadata")

	e.addFile("image", "29990101000001_b.sql", "ALTER TABLE image__mediadata ADD COLUMN b integer NULL;\n", true)
	out.Reset()
	_, err = migrator(&out, apply.GuardEnforce).Apply(ctx)
	require.NoError(t, err)
	require.NotContains(t, out.String(), "moved")
}

// TestPostgresRefusalExplained: when the database refuses a plugin
// statement, apply's error still names the file, line, statement, code,
// object and owner.
func TestPostgresRefusalExplained(t *testing.T) {
	t.Parallel()
	e := newApplyEnv(t, "postgres")
	e.addFile("image", "29990101000000_bad.sql", "CREATE TABLE image__ok (id integer);\nALTER TABLE core__users DISABLE TRIGGER ALL;\n", true)
	_, err := e.migrator().Apply(context.Background())
	require.Error(t, err)
	for _, want := range []string{"plugins/image/migrations/postgres/29990101000000_bad.sql", "line 2", "ALTER TABLE core__users DISABLE TRIGGER ALL", lint.CodeNotOwned, `table "core__users" is owned by core`, "rolled back"} {
		require.Contains(t, err.Error(), want)
	}
	require.ErrorIs(t, err, plan.ErrNotOwned)
}

// TestPostgresRoleEscapeRefused: a plugin file runs on a session logged in
// as the plugin's role, so no way of setting the role back (RESET ROLE,
// set_config, dynamic SQL in a DO block) reaches the migrator: the
// database refuses, and nothing of the file stays.
func TestPostgresRoleEscapeRefused(t *testing.T) {
	t.Parallel()
	for i, escape := range []string{
		"SELECT set_config('role', 'postgres', false);\nALTER TABLE core__users ADD COLUMN pwn integer;",
		"DO $$ BEGIN EXECUTE 'RESET ROL' || 'E'; EXECUTE 'ALTER TABLE core__users ADD COLUMN pwn integer'; END $$;",
		"DO $$ BEGIN EXECUTE 'SET SESSION AUTHORIZATION DEFA' || 'ULT'; EXECUTE 'ALTER TABLE core__users ADD COLUMN pwn integer'; END $$;",
	} {
		e := newApplyEnv(t, "postgres")
		e.addFile("image", "29990101000000_bad.sql", "CREATE TABLE image__ok (id integer);\n"+escape+"\n", true)
		_, err := e.migrator().Apply(context.Background())
		require.Error(t, err, "escape %d", i)
		require.Contains(t, err.Error(), "29990101000000_bad.sql")
		tables, err := testdb.Rows(e.db.DB, "SELECT tablename FROM pg_tables WHERE tablename = 'image__ok'")
		require.NoError(t, err)
		require.Empty(t, tables, "rolled back")
		cols, err := testdb.Rows(e.db.DB, "SELECT column_name FROM information_schema.columns WHERE table_name = 'core__users' AND column_name = 'pwn'")
		require.NoError(t, err)
		require.Empty(t, cols, "escape %d: core untouched", i)
	}
}

// TestPostgresGrantsReconciled: privileges granted to a plugin's role by
// hand (writes on core, a core sequence, a predefined role that writes
// everything, a role attribute) are revoked by the next apply of the
// plugin, which leaves the role exactly SELECT and REFERENCES on core, its
// own rows of the history, and no password.
func TestPostgresGrantsReconciled(t *testing.T) {
	t.Parallel()
	e := newApplyEnv(t, "postgres")
	ctx := context.Background()
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	role := roles.Name(e.db.Name, "image")
	for _, s := range []string{
		"GRANT INSERT, UPDATE, TRUNCATE ON core__tags TO " + role,
		"GRANT USAGE, UPDATE ON SEQUENCE core__users_id_seq TO " + role,
		"GRANT pg_write_all_data TO " + role,
		"ALTER ROLE " + role + " CREATEDB",
		"ALTER ROLE " + role + " SET statement_timeout = 1", // would make its sessions fail
		"ALTER ROLE " + role + " IN DATABASE " + e.db.Name + " SET search_path = nowhere",
	} {
		_, err := e.db.DB.Exec(s)
		require.NoError(t, err, s)
	}
	e.addFile("image", "29990101000000_more.sql", "ALTER TABLE image__mediadata ADD COLUMN more integer NULL;\n", true)
	_, err = e.migrator().Apply(ctx)
	require.NoError(t, err)
	check := func(query string, want bool) {
		t.Helper()
		var got bool
		require.NoError(t, e.db.DB.QueryRow(query, role).Scan(&got), query)
		require.Equal(t, want, got, query)
	}
	check("SELECT has_table_privilege($1, 'core__tags', 'INSERT')", false)
	check("SELECT has_table_privilege($1, 'core__tags', 'TRUNCATE')", false)
	check("SELECT has_table_privilege($1, 'core__tags', 'SELECT') AND has_table_privilege($1, 'core__tags', 'REFERENCES')", true)
	check("SELECT has_sequence_privilege($1, 'core__users_id_seq', 'USAGE')", false)
	check("SELECT pg_has_role($1, 'pg_write_all_data', 'MEMBER')", false)
	check("SELECT rolcreatedb FROM pg_roles WHERE rolname = $1", false)
	check("SELECT rolcanlogin AND rolpassword IS NULL FROM pg_authid WHERE rolname = $1", true)
	check("SELECT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'plugmig_history' AND policyname = $1)", true)
	check("SELECT relrowsecurity FROM pg_class WHERE relname = 'plugmig_history' AND $1 <> ''", true)
	check("SELECT has_table_privilege($1, 'image__mediadata', 'INSERT')", true)
	check("SELECT NOT EXISTS (SELECT 1 FROM pg_db_role_setting WHERE setrole = $1::regrole)", true)

	// Row-level security on the history: a reader sees every branch's
	// rows; the plugin's role writes its own branch's only.
	reader := "t_reader_" + roles.Password()[:8]
	_, err = e.db.DB.Exec("CREATE ROLE " + reader + "; GRANT SELECT ON plugmig_history TO " + reader)
	require.NoError(t, err)
	t.Cleanup(func() { e.db.DB.Exec("DROP OWNED BY " + reader + "; DROP ROLE IF EXISTS " + reader) })
	as := func(who, stmt string) int64 {
		t.Helper()
		tx, err := e.db.DB.Begin()
		require.NoError(t, err)
		defer tx.Rollback()
		_, err = tx.Exec("SET LOCAL ROLE " + who)
		require.NoError(t, err)
		if strings.HasPrefix(stmt, "SELECT") {
			var n int64
			require.NoError(t, tx.QueryRow(stmt).Scan(&n))
			return n
		}
		res, err := tx.Exec(stmt)
		require.NoError(t, err)
		n, err := res.RowsAffected()
		require.NoError(t, err)
		return n
	}
	require.Positive(t, as(reader, "SELECT count(*) FROM plugmig_history WHERE branch = 'core'"), "status by a read-only user sees the history")
	require.Zero(t, as(role, "DELETE FROM plugmig_history WHERE branch = 'core'"))
	require.Zero(t, as(role, "UPDATE plugmig_history SET hash = 'x' WHERE branch = 'archivalook'"))
	// Its own branch's rows only on a session logged in as the role
	// (apply's): here the role is taken with SET ROLE, as a plugin's routine
	// running later in the application's session would be.
	require.Zero(t, as(role, "UPDATE plugmig_history SET hash = 'x' WHERE branch = 'image'"))
}
