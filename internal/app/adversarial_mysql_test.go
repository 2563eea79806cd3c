package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/lint"
	"github.com/plugmig/plugmig/internal/testdb"
)

// myState is what no plugin file may change on MySQL/MariaDB beyond core's
// rows and columns: tables and their options, triggers, events, routines,
// the server's accounts of this test, and a global setting.
func mysqlState(a *adversary) string {
	var out []string
	for _, q := range []string{
		"SELECT CONCAT_WS(' ', 'table', TABLE_NAME, ENGINE, AUTO_INCREMENT, TABLE_COMMENT) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE 'image\\_\\_%'",
		"SELECT CONCAT_WS(' ', 'trigger', TRIGGER_NAME, EVENT_OBJECT_TABLE) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()",
		"SELECT CONCAT_WS(' ', 'event', EVENT_NAME) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()",
		"SELECT CONCAT_WS(' ', 'routine', ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()",
		"SELECT CONCAT_WS(' ', 'account', User, Host) FROM mysql.user WHERE User LIKE 'evil%' OR User LIKE 'image%'",
		"SELECT CONCAT_WS(' ', 'database', SCHEMA_NAME) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'evil%'",
		"SELECT CONCAT_WS(' ', 'global', @@global.max_connections)",
	} {
		rows, err := testdb.Rows(a.e.db.DB, q)
		require.NoError(a.t, err, q)
		out = append(out, rows...)
	}
	return strings.Join(out, "\n")
}

// myAttacks are the MySQL/MariaDB cases of issue 10 and more: each is
// refused by the server under the plugin's account.
var myAttacks = []attack{
	{"update with a comment for a space", "UPDATE/**/core__media_entries SET title = 'x';"},
	{"delete with a comment for a space", "DELETE/**/FROM core__privileges;"},
	{"insert select with a comment for a space", "INSERT/**/INTO core__privileges (privilege_name) SELECT 'hacker';"},
	{"replace with a comment for a space", "REPLACE/**/INTO core__privileges (privilege_name) VALUES ('featurer');"},
	{"event", "CREATE EVENT image__ev ON SCHEDULE AT CURRENT_TIMESTAMP + INTERVAL 1 HOUR DO DELETE FROM core__privileges;"},
	{"trigger on core", "CREATE TRIGGER image__t BEFORE INSERT ON core__users FOR EACH ROW SET @x = 1;"},
	{"procedure", "CREATE PROCEDURE image__p() DELETE FROM core__privileges;"},
	{"the target database by name", "DELETE FROM {{db}}.core__notifications;"},
	{"another database by name", "DELETE FROM {{other}}.victim;"},
	{"create an account", "CREATE USER evil_user IDENTIFIED BY 'x';"},
	{"create a database", "CREATE DATABASE evil_db;"},
	{"server setting", "SET GLOBAL max_connections = @@global.max_connections;"},
	{"core auto-increment", "ALTER TABLE core__users AUTO_INCREMENT = 1000;"},
	{"multi-table update writing core", "UPDATE core__users u JOIN image__mediadata m ON m.media_entry = u.id SET u.bio = 'x';"},
	{"rename a core table into the plugin's", "RENAME TABLE core__tags TO image__tags;"},
	{"truncate core", "TRUNCATE TABLE core__nonce_timestamps;"},
	{"drop core", "DROP TABLE core__nonce_timestamps;"},
	{"write core through a view", "CREATE VIEW image__v AS SELECT * FROM core__users;\nUPDATE image__v SET bio = 'x';"},
	{"upsert into core", "INSERT INTO core__privileges (privilege_name) VALUES ('featurer') ON DUPLICATE KEY UPDATE privilege_name = 'x';"},
	{"select into a server file", "SELECT id FROM core__users INTO OUTFILE '{{marker}}';"},
	// An attacker's round on the plain-account path: MySQL reads "--(" as
	// code, not a comment; a comment split the constraint's words; UNIQUE
	// named an index without KEY or INDEX; and the after-file check read
	// image__mediadata for image__MEDIADATA (names are case-sensitive).
	{"case-variant table with a default hidden from a comment reader", "CREATE TABLE image__MEDIADATA (media_entry int NOT NULL, z int NULL DEFAULT (0\n--(@x:=1)\n), PRIMARY KEY (media_entry), UNIQUE core__squat (z), CONSTRAINT core__media_entries_fk/**/FOREIGN KEY (media_entry) REFERENCES core__media_entries (id));"},
	{"table files outside the database's directory", "CREATE TABLE image__ddir (id int NOT NULL, PRIMARY KEY (id)) ENGINE=MyISAM DATA DIRECTORY='/tmp' INDEX DIRECTORY='/tmp';\nINSERT INTO image__ddir (id) VALUES (1);"},
}

// TestAdversarialMySQL: every attack is reported by lint (run on its
// scratch database as the plugin's account), refused by apply (pre-flight
// and account), and nothing changes anywhere.
func TestAdversarialMySQL(t *testing.T) {
	t.Parallel()
	runAttacks(t, "mysql", mysqlState, myAttacks)
}

// TestMustPassMySQL: what a plugin may do passes, alone and together; the
// multi-table UPDATE of the plugin's own table joined to core among them.
func TestMustPassMySQL(t *testing.T) {
	t.Parallel()
	mustPass(t, "mysql", []attack{
		{"own table ddl and dml", "CREATE TABLE image__notes (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, media_entry int NOT NULL, body text NULL, CONSTRAINT image__notes_media_fkey FOREIGN KEY (media_entry) REFERENCES core__media_entries (id));\nINSERT INTO image__notes (media_entry, body) SELECT id, title FROM core__media_entries;\nUPDATE image__notes SET body = 'x' WHERE id > 0;\nDELETE FROM image__notes WHERE body IS NULL;\n"},
		{"own trigger", "CREATE TABLE image__log (id int NULL);\nCREATE TRIGGER image__log_touch BEFORE INSERT ON image__log FOR EACH ROW SET NEW.id = COALESCE(NEW.id, 0);\nINSERT INTO image__log VALUES (NULL);\n"},
		{"own view over core", "CREATE VIEW image__recent AS SELECT id, title FROM core__media_entries;\n"},
		{"own trigger with a local variable and an update of its own table", "CREATE TABLE image__counts (id int NOT NULL PRIMARY KEY, n int NOT NULL DEFAULT 0);\nINSERT INTO image__counts VALUES (1, 0);\nCREATE TABLE image__log2 (id int NULL, n int NULL, note varchar(20) NULL DEFAULT 'set; @home');\nCREATE TRIGGER image__log2_bi BEFORE INSERT ON image__log2 FOR EACH ROW BEGIN\n  DECLARE k INT DEFAULT 0;\n  SET k = 2;\n  SET NEW.n = k, NEW.id = COALESCE(NEW.id, 0);\n  UPDATE image__counts SET n = n + 1 WHERE id = 1;\nEND;\nINSERT INTO image__log2 (id) VALUES (NULL);\n"},
		{"own names for index, foreign key and check", "CREATE TABLE image__c (id int NOT NULL, u int NULL, CONSTRAINT image__c_u_fkey FOREIGN KEY (u) REFERENCES core__users (id), CONSTRAINT image__c_chk CHECK (id > 0), INDEX image__c_id (id));\nCREATE UNIQUE INDEX image__c_u ON image__c (u);\n"},
		{"multi-table update of its own table", "UPDATE image__mediadata s JOIN core__media_entries e ON e.id = s.media_entry SET s.width = 1 WHERE e.id > 0;\n"},
	})
}

// TestMySQLRefusalExplained: a statement the plugin's account may not run
// is refused before anything runs, naming file, line, statement, code,
// object and owner.
func TestMySQLRefusalExplained(t *testing.T) {
	t.Parallel()
	e := newApplyEnv(t, "mysql")
	e.addFile("image", "29990101000000_bad.sql", "CREATE TABLE image__ok (id int);\nUPDATE/**/core__media_entries SET title = 'x';\n", true)
	_, err := e.migrator().Apply(context.Background())
	require.Error(t, err)
	for _, want := range []string{"plugins/image/migrations/mysql/29990101000000_bad.sql", "line 2", "UPDATE/**/core__media_entries", lint.CodeForeignWrite, `table "core__media_entries" is owned by core`, "nothing of the file was run"} {
		require.Contains(t, err.Error(), want)
	}
	tables, err := testdb.Rows(e.db.DB, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'image__ok'")
	require.NoError(t, err)
	require.Empty(t, tables, "the pre-flight refused the file before its first statement ran")
}

// TestMySQLPreflightReachesOnlyScratch: a file deleting rows of the target
// database by its qualified name is refused by the pre-flight without
// touching the target (the pre-flight's account reaches only its scratch
// database).
func TestMySQLPreflightReachesOnlyScratch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "mysql")
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	_, err = e.db.DB.Exec("INSERT INTO core__users (id, bio, created, updated) VALUES (1, 'bio', '2020-01-01 00:00:00', '2020-01-01 00:00:00')")
	require.NoError(t, err)
	_, err = e.db.DB.Exec("INSERT INTO core__notifications (id, created, seen, user_id) VALUES (1, '2020-01-01 00:00:00', 0, 1)")
	require.NoError(t, err)
	e.addFile("image", "29990101000000_bad.sql", "CREATE TABLE image__ok (id int);\nDELETE FROM "+e.db.Name+".core__notifications;\n", true)
	_, err = e.migrator().Apply(ctx)
	require.Error(t, err)
	rows, err := testdb.Rows(e.db.DB, "SELECT id FROM core__notifications")
	require.NoError(t, err)
	require.Equal(t, []string{"1"}, rows)
}
