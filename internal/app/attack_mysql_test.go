package app_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/internal/testdb"
)

// issue19MySQL are the MariaDB/MySQL cases of issue 19: objects harmless
// while the file runs that act later with the rights of whoever uses the
// plugin's table (the application), or take a name that belongs to
// someone else. {{db}} is the target database.
var issue19MySQL = []attack{
	{"invoker view over core", "CREATE SQL SECURITY INVOKER VIEW image__users_v AS SELECT id, bio FROM core__users;"},
	{"invoker view over own table", "CREATE TABLE image__x (id int);\nCREATE SQL SECURITY INVOKER VIEW image__xv AS SELECT id FROM image__x;"},
	{"trigger sets the firing session's insert id and time", "CREATE TABLE image__x (id int);\nCREATE TRIGGER image__x_bi BEFORE INSERT ON image__x FOR EACH ROW SET @@session.timestamp = 1, @@session.insert_id = 777;"},
	{"trigger sets a session variable unqualified", "CREATE TABLE image__x (id int);\nCREATE TRIGGER image__x_bi BEFORE INSERT ON image__x FOR EACH ROW SET NEW.id = 1, insert_id = 777;"},
	{"trigger sets a session variable in a block", "CREATE TABLE image__x (id int);\nCREATE TRIGGER image__x_bi BEFORE INSERT ON image__x FOR EACH ROW BEGIN\n  SET NEW.id = 1;\n  SET SESSION sql_mode = '';\nEND;"},
	{"trigger sets a session variable in an executable comment", "CREATE TABLE image__x (id int);\nCREATE TRIGGER image__x_bi BEFORE INSERT ON image__x FOR EACH ROW /*!SET @@session.insert_id = 777*/;"},
	// Found attacking the fix: a local declared in an inner block does not
	// exist outside it, where SET of its name sets the session's variable.
	{"trigger sets a session variable named like a local of an inner block", "CREATE TABLE image__x (id int);\nCREATE TRIGGER image__x_bi BEFORE INSERT ON image__x FOR EACH ROW BEGIN\n  BEGIN DECLARE insert_id INT; END;\n  SET insert_id = 777;\nEND;"},
	{"trigger sets a user variable", "CREATE TABLE image__x (id int);\nCREATE TRIGGER image__x_bi BEFORE INSERT ON image__x FOR EACH ROW SET NEW.id = (@n := 5);"},
	{"trigger takes the run lock", "CREATE TABLE image__x (id int);\nCREATE TRIGGER image__x_bi BEFORE INSERT ON image__x FOR EACH ROW SET NEW.id = GET_LOCK('plugmig_apply.{{db}}', 0);"},
	{"trigger releases every named lock", "CREATE TABLE image__x (id int);\nCREATE TRIGGER image__x_bi BEFORE INSERT ON image__x FOR EACH ROW SET NEW.id = RELEASE_ALL_LOCKS();"},
	{"view takes the run lock", "CREATE VIEW image__lock_v AS SELECT GET_LOCK('plugmig_apply.{{db}}', 0) AS l;"},
	{"default sets a user variable", "CREATE TABLE image__x (id int, a int DEFAULT (@n := 5));"},
	{"trigger named for core", "CREATE TABLE image__x (id int);\nCREATE TRIGGER core__users_bi BEFORE INSERT ON image__x FOR EACH ROW SET NEW.id = 1;"},
	{"foreign key named for core", "CREATE TABLE image__x (id int, u int NULL, CONSTRAINT core__users_avatar_fkey FOREIGN KEY (u) REFERENCES core__users (id));"},
	{"check constraint named for core", "CREATE TABLE image__x (id int, CONSTRAINT core__users_chk CHECK (id > 0));"},
	{"foreign key added under core's name", "CREATE TABLE image__x (id int, u int NULL);\nALTER TABLE image__x ADD CONSTRAINT core__users_avatar_fkey FOREIGN KEY (u) REFERENCES core__users (id);"},
	{"index named for core", "CREATE TABLE image__x (id int);\nCREATE INDEX core__users_bio ON image__x (id);"},
	{"event takes the run lock", "-- plugmig:allow writes-core-later: takes only a lock\nCREATE EVENT image__ev ON SCHEDULE EVERY 1 HOUR DO SELECT GET_LOCK('plugmig_apply.{{db}}', 0);"},
}

// TestAttackMySQLIssue19: each case is reported by lint, refused by apply,
// and nothing changes anywhere.
func TestAttackMySQLIssue19(t *testing.T) {
	t.Parallel()
	runAttacks(t, "mysql", mysqlState, issue19MySQL)
}

// TestAttackMySQLLaterActivity: after apply refused each case, the
// application's session writes through the plugin's view and table, then
// inserts into core: core's rows, the new row's id and the session's
// clock are the application's own; and an apply while that session is
// still open takes the run lock.
func TestAttackMySQLLaterActivity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range issue19MySQL {
		if !slices.Contains([]string{"invoker view over core", "trigger sets the firing session's insert id and time", "trigger takes the run lock"}, c.name) {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newApplyEnv(t, "mysql")
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			_, err = e.db.DB.Exec("INSERT INTO core__users (id, bio, created, updated) VALUES (1, 'bio', '2020-01-01 00:00:00', '2020-01-01 00:00:00')")
			require.NoError(t, err)
			e.addFile("image", "29990101000000_bad.sql", strings.ReplaceAll(c.sql, "{{db}}", e.db.Name)+"\n", true)
			_, err = e.migrator().Apply(ctx)
			assert.Error(t, err, "apply must refuse it") // and if it did not, what follows shows the harm

			app, err := e.db.DB.Conn(ctx)
			require.NoError(t, err)
			defer app.Close()
			app.ExecContext(ctx, "UPDATE image__users_v SET bio = 'pwned'") // fails: no such view
			app.ExecContext(ctx, "INSERT INTO image__x (id) VALUES (NULL)") // fails: no such table
			res, err := app.ExecContext(ctx, "INSERT INTO core__users (bio, created, updated) VALUES ('app', NOW(), NOW())")
			require.NoError(t, err)
			id, err := res.LastInsertId()
			require.NoError(t, err)
			require.NotEqual(t, int64(777), id, "the id is the application's")
			var year int
			require.NoError(t, app.QueryRowContext(ctx, "SELECT YEAR(NOW())").Scan(&year))
			require.Greater(t, year, 2000, "the session's clock is the server's")
			rows, err := testdb.Rows(e.db.DB, "SELECT CONCAT(id, ':', bio) FROM core__users ORDER BY id")
			require.NoError(t, err)
			require.Equal(t, []string{fmt.Sprint([]byte("1:bio")), fmt.Sprint([]byte(fmt.Sprintf("%d:app", id)))}, rows) // the driver reads text as bytes

			e.removeFile("image", "29990101000000_bad.sql")
			_, err = e.db.DB.Exec("DELETE FROM plugmig_history WHERE version = '29990101000000'")
			require.NoError(t, err)
			e.addFile("image", "29990101000001_ok.sql", "CREATE TABLE image__ok (id int);\n", true)
			_, err = e.with(apply.WithLockTimeout(3 * time.Second)).Apply(ctx)
			require.NoError(t, err, "the next apply, with the application's session open")
		})
	}
}
