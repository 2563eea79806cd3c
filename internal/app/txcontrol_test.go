package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/lint"
	"github.com/plugmig/plugmig/internal/testdb"
)

// txEscapes are plugin files that would end or split the transaction
// apply runs them in, or change the session's identity; line is the line
// of the statement lint and apply must name.
var txEscapes = map[string][]struct {
	name, body string
	line       int
}{
	"*": {
		{"commit then alter core", "CREATE TABLE image__x (id integer NOT NULL PRIMARY KEY);\nCOMMIT;\nALTER TABLE core__users ADD COLUMN evil integer;", 2},
		{"rollback", "ROLLBACK;", 1},
		{"savepoint", "SAVEPOINT s;\nALTER TABLE core__users ADD COLUMN evil integer;\nRELEASE SAVEPOINT s;", 1},
		{"commit behind a comment", "CREATE TABLE image__x (id integer NOT NULL PRIMARY KEY);\n/* nothing to see */ COMMIT;", 2},
	},
	"sqlite": {
		{"end", "END;", 1},
		// Last: SQLite's splitter reads BEGIN ... END as one statement.
		{"begin", "BEGIN TRANSACTION;", 1},
	},
	"postgres": {
		{"begin", "BEGIN;", 1},
		{"end", "CREATE TABLE image__x (id integer);\nEND;", 2},
		{"abort", "ABORT;", 1},
		{"commit and chain", "COMMIT AND CHAIN;", 1},
		{"prepare transaction", "PREPARE TRANSACTION 'x';", 1},
		{"set transaction", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;", 1},
		{"set session authorization", "SET SESSION AUTHORIZATION postgres;", 1},
		{"set role", "SET ROLE postgres;", 1},
		{"set local role", "SET LOCAL ROLE postgres;", 1},
		{"reset role", "RESET ROLE;", 1},
		{"its own role's password", "CREATE TABLE image__ok (id integer);\nALTER ROLE CURRENT_USER PASSWORD 'known';", 2},
		{"its own role's settings", "ALTER USER CURRENT_USER SET search_path = image__s;", 1},
	},
	"mysql": {
		{"start transaction", "START TRANSACTION;", 1},
		{"begin", "BEGIN;", 1},
		{"xa", "XA START 'x';", 1},
		{"lock tables", "LOCK TABLES core__users WRITE;", 1},
		{"set autocommit", "SET autocommit = 0;", 1},
		{"set session autocommit", "SET @@session.autocommit = 0;", 1},
		{"set transaction", "SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED;", 1},
		{"set global", "SET GLOBAL max_connections = 1;", 1},
		{"its own account's password", "SET PASSWORD = 'known';", 1},
		{"alter user", "ALTER USER CURRENT_USER() IDENTIFIED BY 'known';", 1},
	},
}

// txNotEscapes use BEGIN ... END or the word COMMIT without controlling
// the transaction.
var txNotEscapes = map[string]string{
	"sqlite": "CREATE TABLE image__x (id integer NOT NULL PRIMARY KEY, note text);\nCREATE TRIGGER image__x_t AFTER INSERT ON image__x BEGIN UPDATE image__x SET note = 'COMMIT;' WHERE id = NEW.id; END;\nINSERT INTO image__x (id, note) VALUES (1, 'BEGIN; ROLLBACK;');",
	"postgres": "CREATE TABLE image__x (id integer NOT NULL PRIMARY KEY, note text);\nCREATE FUNCTION image__f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := 'COMMIT;'; RETURN NEW; END $$;\n" +
		"CREATE TRIGGER image__x_t BEFORE INSERT ON image__x FOR EACH ROW EXECUTE FUNCTION image__f();\nINSERT INTO image__x (id, note) VALUES (1, 'BEGIN; ROLLBACK;');",
	"mysql": "CREATE TABLE image__x (id int NOT NULL PRIMARY KEY, note text);\nCREATE TRIGGER image__x_t BEFORE INSERT ON image__x FOR EACH ROW BEGIN\n  SET NEW.note = CONCAT(NEW.note, ' COMMIT;');\nEND;\nINSERT INTO image__x (id, note) VALUES (1, 'BEGIN; ROLLBACK;');",
}

// TestTransactionControl: on every dialect a plugin file that controls its
// transaction or identity is reported by lint (PL107, at each such line)
// and refused by apply before anything of it runs; BEGIN ... END bodies
// and the words inside strings are not transaction control. The cases of
// a dialect form one file, so lint and apply run once per dialect.
func TestTransactionControl(t *testing.T) {
	t.Parallel()
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dev := testdb.Dev(t, d)
			e := newApplyEnv(t, d)
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			core := e.coreDump()
			var (
				body  strings.Builder
				lines = map[int]string{}
				at    = 1
			)
			for _, c := range append(txEscapes["*"][:len(txEscapes["*"]):len(txEscapes["*"])], txEscapes[d]...) {
				lines[at+c.line-1] = c.name
				body.WriteString(c.body + "\n\n")
				at += strings.Count(c.body, "\n") + 2
			}
			file := "plugins/image/migrations/" + d + "/29990101000000_tx.sql"
			e.root = testdb.CopyRoot(t)
			e.addFile("image", "29990101000000_tx.sql", body.String(), true)
			got := map[int]bool{}
			for _, f := range lintRoot(t, e.root, dev) {
				if f.File == file && f.Code == lint.CodeEscape {
					got[f.Line] = true
				}
			}
			for line, name := range lines {
				require.True(t, got[line], "lint reports %q at line %d: %v", name, line, got)
			}

			_, err = e.migrator().Apply(ctx)
			require.Error(t, err)
			msg := err.Error()
			require.Contains(t, msg, "29990101000000_tx.sql")
			require.Contains(t, msg, "nothing of the file was run")
			require.Contains(t, msg, lint.CodeEscape)
			for line := range lines {
				require.Contains(t, msg, fmt.Sprintf("in: line %d:", line))
			}
			require.Equal(t, core, e.coreDump(), "nothing changed")
			revs, err := e.migrator().History(ctx, "image")
			require.NoError(t, err)
			for _, r := range revs {
				require.NotEqual(t, "29990101000000", r.Version, "not even a failure is recorded: nothing ran")
			}
			t.Logf("%d transaction-control cases on %s", len(lines), d)

			t.Run("BEGIN ... END bodies pass", func(t *testing.T) {
				e.root = testdb.CopyRoot(t)
				e.addFile("image", "29990101000000_tx.sql", txNotEscapes[d]+"\n", true)
				require.Empty(t, lintRoot(t, e.root, dev))
				_, err := e.migrator().Apply(ctx)
				require.NoError(t, err)
				var note string
				require.NoError(t, e.db.DB.QueryRow("SELECT note FROM image__x").Scan(&note))
				require.True(t, strings.Contains(note, "COMMIT"), "%q", note)
			})
		})
	}
}
