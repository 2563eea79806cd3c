package lint

import (
	"context"
	"database/sql"
	"testing"

	_ "modernc.org/sqlite"
)

// TestSQLiteVersionsSeeEveryChange: a whole-file watch reuses the previous
// file's catalog only while these versions are unchanged, so every schema
// change, main or temporary, by this connection or another, must change
// them.
func TestSQLiteVersionsSeeEveryChange(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/v.db"
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	seen := map[string]string{}
	for _, step := range []struct {
		name string
		on   *sql.DB
		stmt string
	}{
		{"start", nil, ""},
		{"main table", db, "CREATE TABLE image__a (id integer)"},
		{"temporary table", db, "CREATE TEMP TABLE image__t (id integer)"},
		{"index by another connection", other, "CREATE INDEX image__a_id ON image__a (id)"},
		{"trigger", db, "CREATE TRIGGER image__tr AFTER INSERT ON image__a BEGIN SELECT 1; END"},
		{"temporary view", db, "CREATE TEMP VIEW image__v AS SELECT 1"},
		{"drop", other, "DROP INDEX image__a_id"},
	} {
		if step.on != nil {
			if _, err := step.on.Exec(step.stmt); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
		}
		v, err := sqliteVersions(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if prev, ok := seen[v]; ok {
			t.Errorf("after %s the versions are %s, as after %s", step.name, v, prev)
		}
		seen[v] = step.name
	}
}
