package migdir_test

import (
	"testing"

	"ariga.io/atlas/sql/migrate"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/migdir"
)

// TestStmtsKeepTriggerBodies: a SQLite or MySQL trigger's BEGIN ... END
// and a PostgreSQL function body are one statement each, as Atlas's
// executor runs them (its generic splitter cuts at the first ";").
func TestStmtsKeepTriggerBodies(t *testing.T) {
	for dialect, body := range map[string]string{
		"sqlite":   "CREATE TABLE image__a (id integer);\nCREATE TRIGGER image__t AFTER INSERT ON image__a BEGIN\n  INSERT INTO image__a VALUES (1);\n  DELETE FROM image__a WHERE id = 2;\nEND;\nINSERT INTO image__a VALUES (3);\n",
		"mysql":    "CREATE TABLE image__a (id int);\nCREATE TRIGGER image__t AFTER INSERT ON image__a FOR EACH ROW BEGIN\n  INSERT INTO image__b VALUES (1);\n  DELETE FROM image__b WHERE id = 2;\nEND;\nINSERT INTO image__a VALUES (3);\n",
		"postgres": "CREATE TABLE image__a (id int);\nCREATE FUNCTION image__f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO image__a VALUES (1); RETURN NEW; END $$;\nINSERT INTO image__a VALUES (3);\n",
	} {
		t.Run(dialect, func(t *testing.T) {
			f := migrate.NewLocalFile("1_x.sql", []byte(body))
			stmts, err := migdir.StmtTexts(dialect, f)
			require.NoError(t, err)
			require.Len(t, stmts, 3, "%q", stmts)
			require.Contains(t, stmts[1], "END")
			generic, err := f.Stmts()
			require.NoError(t, err)
			if dialect != "postgres" {
				require.Greater(t, len(generic), 3, "Atlas's generic splitter cuts the body: why Stmts exists")
			}
		})
	}
}
