package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/lint"
	"github.com/plugmig/plugmig/engine/plan"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/testdb"
)

// violation is one statement (or short file) a plugin must never run, per
// dialect where it can be written, and the code lint reports.
type violation struct {
	name string
	sql  map[string]string // dialect → file body; "*" for every dialect
	code string
}

func all(body string) map[string]string { return map[string]string{"*": body} }

// violations is the corpus of forbidden plugin migrations (plugin "image").
var violations = []violation{
	{"add column to core", all("ALTER TABLE core__users ADD COLUMN x integer;"), lint.CodeNotOwned},
	{"drop core column", all("ALTER TABLE core__users DROP COLUMN bio;"), lint.CodeNotOwned},
	{"rename core column", all("ALTER TABLE core__users RENAME COLUMN bio TO biography;"), lint.CodeNotOwned},
	{"change core column type", map[string]string{"postgres": "ALTER TABLE core__users ALTER COLUMN name TYPE varchar(10);", "mysql": "ALTER TABLE core__users MODIFY name varchar(10) NULL;"}, lint.CodeNotOwned},
	{"core column not null", map[string]string{"postgres": "ALTER TABLE core__users ALTER COLUMN bio SET NOT NULL;", "mysql": "ALTER TABLE core__users MODIFY bio longtext NOT NULL;"}, lint.CodeNotOwned},
	{"rename core table", all("ALTER TABLE core__nonce_timestamps RENAME TO core__nonces;"), lint.CodeNotOwned},
	{"drop core table", all("DROP TABLE core__nonce_timestamps;"), lint.CodeNotOwned},
	{"check constraint on core", map[string]string{"postgres": "ALTER TABLE core__users ADD CONSTRAINT image__chk CHECK (id > 0);", "mysql": "ALTER TABLE core__users ADD CONSTRAINT image__chk CHECK (url <> '');"}, lint.CodeNotOwned},
	{"unique constraint on core", map[string]string{"postgres": "ALTER TABLE core__users ADD CONSTRAINT image__u UNIQUE (url);", "mysql": "ALTER TABLE core__users ADD CONSTRAINT image__u UNIQUE (url);"}, lint.CodeNotOwned},
	{"foreign key added to core", map[string]string{"postgres": "ALTER TABLE core__users ADD CONSTRAINT image__fk FOREIGN KEY (location) REFERENCES core__locations (id);", "mysql": "ALTER TABLE core__users ADD CONSTRAINT image__fk FOREIGN KEY (location) REFERENCES core__locations (id);"}, lint.CodeNotOwned},
	{"index on core", all("CREATE INDEX image__users_url ON core__users (url);"), lint.CodeNotOwned},
	{"drop core index", map[string]string{"sqlite": "DROP INDEX ix_core__media_entries_created;", "postgres": "DROP INDEX ix_core__media_entries_created;", "mysql": "DROP INDEX ix_core__media_entries_created ON core__media_entries;"}, lint.CodeNotOwned},
	{"trigger on core", map[string]string{
		"sqlite":   "-- atlas:delimiter //\n\nCREATE TRIGGER image__t AFTER INSERT ON core__users BEGIN SELECT 1; END//",
		"postgres": "CREATE FUNCTION image__f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\nCREATE TRIGGER image__t BEFORE INSERT ON core__users FOR EACH ROW EXECUTE FUNCTION image__f();",
		"mysql":    "CREATE TRIGGER image__t BEFORE INSERT ON core__users FOR EACH ROW SET @x = 1;"}, lint.CodeNotOwned},
	{"rule on core", map[string]string{"postgres": "CREATE RULE image__r AS ON INSERT TO core__users DO ALSO NOTIFY image;"}, lint.CodeNotOwned},
	{"row-level security on core", map[string]string{"postgres": "ALTER TABLE core__users ENABLE ROW LEVEL SECURITY;"}, lint.CodeNotOwned},
	{"policy on core", map[string]string{"postgres": "CREATE POLICY image__p ON core__users USING (true);"}, lint.CodeNotOwned},
	{"comment on core table", map[string]string{"postgres": "COMMENT ON TABLE core__users IS 'mine';", "mysql": "ALTER TABLE core__users COMMENT = 'mine';"}, lint.CodeNotOwned},
	{"comment on core column", map[string]string{"postgres": "COMMENT ON COLUMN core__users.bio IS 'mine';"}, lint.CodeNotOwned},
	{"grant on core", map[string]string{"postgres": "GRANT SELECT ON core__users TO PUBLIC;"}, lint.CodeNotOwned},
	{"core table rebuilt by copy and rename", map[string]string{"sqlite": "CREATE TABLE new_core__nonce_timestamps (nonce varchar NOT NULL PRIMARY KEY, timestamp datetime NOT NULL);\nINSERT INTO new_core__nonce_timestamps SELECT nonce, timestamp FROM core__nonce_timestamps;\nDROP TABLE core__nonce_timestamps;\nALTER TABLE new_core__nonce_timestamps RENAME TO core__nonce_timestamps;"}, lint.CodeNotOwned}, // SQLite's authorizer refuses the DROP of the core table
	{"table without prefix", all("CREATE TABLE plain (id integer);"), lint.CodePrefix},
	{"table with core prefix", all("CREATE TABLE core__evil (id integer);"), lint.CodePrefix},
	{"table with another plugin's prefix", all("CREATE TABLE mediasecurity__evil (id integer);"), lint.CodePrefix},
	{"view without prefix", all("CREATE VIEW plainview AS SELECT id FROM core__users;"), lint.CodePrefix},
	{"index without prefix on own table", map[string]string{"sqlite": "CREATE INDEX plain_idx ON image__mediadata (width);", "postgres": "CREATE INDEX plain_idx ON image__mediadata (width);"}, lint.CodePrefix},
	{"sequence without prefix", map[string]string{"postgres": "CREATE SEQUENCE plainseq;"}, lint.CodePrefix},
	{"function without prefix", map[string]string{"postgres": "CREATE FUNCTION plainfn() RETURNS int LANGUAGE sql AS 'SELECT 1';"}, lint.CodePrefix},
	{"type without prefix", map[string]string{"postgres": "CREATE TYPE mood AS ENUM ('happy');"}, lint.CodePrefix},
	{"core sequence advanced", map[string]string{"postgres": "SELECT nextval('core__users_id_seq');"}, lint.CodeSequence},
	{"core sequence set", map[string]string{"postgres": "SELECT setval('core__users_id_seq', 1000);"}, lint.CodeSequence},
	{"core auto-increment set", map[string]string{"mysql": "ALTER TABLE core__users AUTO_INCREMENT = 1000;"}, lint.CodeNotOwned},
	{"insert into core", all("INSERT INTO core__privileges (privilege_name) VALUES ('hacker');"), lint.CodeForeignWrite},
	{"update of core that matches no row", all("UPDATE core__users SET bio = 'x' WHERE id = 424242;"), lint.CodeForeignWrite},
	{"update of core", all("UPDATE core__privileges SET privilege_name = privilege_name || '' WHERE privilege_name = 'featurer';"), lint.CodeForeignWrite},
	{"delete every row of core", all("DELETE FROM core__nonce_timestamps;"), lint.CodeForeignWrite},
	{"replace into core", map[string]string{"sqlite": "REPLACE INTO core__privileges (privilege_name) VALUES ('featurer');", "mysql": "REPLACE INTO core__privileges (privilege_name) VALUES ('featurer');"}, lint.CodeForeignWrite},
	{"view with core prefix", all("CREATE VIEW core__evil_view AS SELECT id FROM core__users;"), lint.CodePrefix},
	{"drop another plugin's table", map[string]string{"sqlite": "DROP TABLE mediasecurity__media_security;", "postgres": "DROP TABLE mediasecurity__media_security;", "mysql": "DROP TABLE mediasecurity__media_security;"}, ""}, // fails in lint: not in image's history
	{"delete from core", all("DELETE FROM core__privileges WHERE privilege_name = 'featurer';"), lint.CodeForeignWrite},
	{"upsert into core", map[string]string{"sqlite": "INSERT INTO core__privileges (privilege_name) VALUES ('featurer') ON CONFLICT DO NOTHING;", "postgres": "INSERT INTO core__privileges (privilege_name) VALUES ('featurer') ON CONFLICT DO NOTHING;", "mysql": "INSERT IGNORE INTO core__privileges (privilege_name) VALUES ('featurer');"}, lint.CodeForeignWrite},
	{"truncate core", map[string]string{"postgres": "TRUNCATE core__nonce_timestamps;", "mysql": "TRUNCATE TABLE core__nonce_timestamps;"}, lint.CodeForeignWrite},
	{"data-modifying CTE", map[string]string{"sqlite": "WITH x AS (SELECT 'featurer' AS n) DELETE FROM core__privileges WHERE privilege_name IN (SELECT n FROM x);", "postgres": "WITH d AS (DELETE FROM core__privileges WHERE privilege_name = 'featurer' RETURNING 1) SELECT count(*) FROM d;"}, lint.CodeForeignWrite},
	{"function that writes core", map[string]string{"postgres": "CREATE FUNCTION image__wipe() RETURNS void LANGUAGE sql AS $$ DELETE FROM core__privileges WHERE privilege_name = 'featurer' $$;\nSELECT image__wipe();"}, lint.CodeForeignWrite},
	{"quoted identifier", map[string]string{"sqlite": `ALTER TABLE "core__users" ADD COLUMN q integer;`, "postgres": `ALTER TABLE "core__users" ADD COLUMN q integer;`, "mysql": "ALTER TABLE `core__users` ADD COLUMN q integer;"}, lint.CodeNotOwned},
	{"identifier in other case", map[string]string{"sqlite": "ALTER TABLE CORE__USERS ADD COLUMN q integer;", "postgres": "ALTER TABLE CORE__USERS ADD COLUMN q integer;", "mysql": "UPDATE core__USERS SET bio = 'x' WHERE id = 424242;"}, ""},
	{"schema-qualified identifier", map[string]string{"sqlite": "ALTER TABLE main.core__users ADD COLUMN q integer;"}, lint.CodeNotOwned},
	{"DO block", map[string]string{"postgres": "DO $$ BEGIN EXECUTE 'UPDATE core__privileges SET privilege_name = privilege_name'; END $$;"}, lint.CodeUnverifiable},
}

// legit is the corpus of migrations a plugin may run.
var legit = map[string]string{
	"sqlite": `-- atlas:delimiter //

CREATE TABLE image__notes (id integer NOT NULL PRIMARY KEY, media_entry integer NOT NULL REFERENCES core__media_entries (id), body text NULL)//
CREATE INDEX image__notes_media ON image__notes (media_entry)//
CREATE TRIGGER image__notes_touch AFTER INSERT ON image__notes BEGIN UPDATE image__notes SET body = body WHERE id = NEW.id; END//
INSERT INTO image__notes (id, media_entry) SELECT id, id FROM core__media_entries//
ALTER TABLE image__notes RENAME COLUMN body TO text//
CREATE VIEW image__recent AS SELECT id FROM core__media_entries//
`,
	"postgres": `CREATE TABLE image__notes (id integer NOT NULL PRIMARY KEY, media_entry integer NOT NULL REFERENCES core__media_entries (id), body text NULL);
CREATE INDEX image__notes_media ON image__notes (media_entry);
CREATE FUNCTION image__touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.body := coalesce(NEW.body, ''); RETURN NEW; END $$;
CREATE TRIGGER image__notes_touch BEFORE INSERT ON image__notes FOR EACH ROW EXECUTE FUNCTION image__touch();
INSERT INTO image__notes (id, media_entry) SELECT id, id FROM core__media_entries;
UPDATE image__notes SET body = 'seen' WHERE media_entry IN (SELECT id FROM core__media_entries);
ALTER TABLE image__notes RENAME COLUMN body TO text;
CREATE VIEW image__recent AS SELECT id FROM core__media_entries;
COMMENT ON TABLE image__notes IS 'notes';
`,
	"mysql": "CREATE TABLE image__notes (id int NOT NULL PRIMARY KEY, media_entry int NOT NULL, body text NULL, CONSTRAINT image__notes_media_fkey FOREIGN KEY (media_entry) REFERENCES core__media_entries (id));\n" +
		"CREATE INDEX image__notes_media ON image__notes (media_entry);\n" +
		"CREATE TRIGGER image__notes_touch BEFORE INSERT ON image__notes FOR EACH ROW SET NEW.body = COALESCE(NEW.body, '');\n" +
		"INSERT INTO image__notes (id, media_entry) SELECT id, id FROM core__media_entries;\n" +
		"ALTER TABLE image__notes RENAME COLUMN body TO text;\n" +
		"CREATE VIEW image__recent AS SELECT id FROM core__media_entries;\n",
}

// lintRoot lints one dialect of a module root and returns the errors but
// drift.
func lintRoot(t *testing.T, root string, dev *devdb.DB) []lint.Finding {
	t.Helper()
	errs, err := lintErrors(root, dev)
	require.NoError(t, err)
	return errs
}

// lintErrors lints the image branch under root on dev and returns the
// errors but drift. It may run on any goroutine.
func lintErrors(root string, dev *devdb.DB) ([]lint.Finding, error) {
	comp, err := app.Composer()
	if err != nil {
		return nil, err
	}
	l := &lint.Linter{Project: &plan.Project{Root: root, Composer: comp}, Devs: map[string]*devdb.DB{dev.Dialect: dev}, Dialects: []string{dev.Dialect}, Branches: []string{"image"}}
	fs, err := l.Run(context.Background())
	if err != nil {
		return nil, err
	}
	var errs []lint.Finding
	for _, f := range fs {
		// The corpora are hand-written, not in the ent schema: drift is expected.
		if f.Severity == lint.Error && f.Code != lint.CodeDrift {
			errs = append(errs, f)
		}
	}
	return errs, nil
}

// coreDump is every core table's schema and rows.
func (e *applyEnv) coreDump() string {
	e.t.Helper()
	var b strings.Builder
	for _, line := range strings.Split(e.snapshot(), "\n") {
		if strings.HasPrefix(line, "core__") {
			b.WriteString(line + "\n")
		}
	}
	comp := project(e.t, e.root).Composer
	tables := comp.Tables("core")
	sort.Strings(tables)
	for _, tb := range tables {
		lines, err := testdb.Rows(e.db.DB, "SELECT * FROM "+tb)
		require.NoError(e.t, err)
		fmt.Fprintf(&b, "%s rows: %s\n", tb, strings.Join(lines, " | "))
	}
	return b.String()
}

func TestOwnershipCorpus(t *testing.T) {
	t.Parallel()
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			var cases []violation
			for _, v := range violations {
				if _, ok := v.sql[d]; ok {
					cases = append(cases, v)
				} else if _, ok := v.sql["*"]; ok {
					cases = append(cases, v)
				}
			}
			t.Logf("%d violating migrations on %s", len(cases), d)
			// Spread over a few databases: every case replays the histories
			// twice (lint, apply's pre-flight), and on a server most of that
			// is the server's I/O, which overlaps.
			inShards(t, cases, func(t *testing.T, part []violation) {
				ownershipCases(t, d, part, part[0].name == cases[0].name)
			})
		})
	}
}

// ownershipCases checks violations of one dialect on one applied database
// (with rows that data changes would touch): lint catches each in the file
// with its code, apply refuses it and leaves core's tables unchanged. Then,
// if legit, a legitimate file passes lint and applies on the same database.
func ownershipCases(t *testing.T, d string, cases []violation, legitToo bool) {
	ctx := context.Background()
	dev := testdb.Dev(t, d)
	e := newApplyEnv(t, d)
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	_, err = e.db.DB.Exec("INSERT INTO core__users (id, bio, created, updated) VALUES (1, 'bio', '2020-01-01 00:00:00', '2020-01-01 00:00:00')")
	require.NoError(t, err)
	core := e.coreDump()

	for _, v := range cases {
		t.Run(v.name, func(t *testing.T) {
			body, ok := v.sql[d]
			if !ok {
				body = v.sql["*"]
			}
			// Each violation in its own copy of the module root.
			e.t, e.root = t, testdb.CopyRoot(t)
			e.addFile("image", "29990101000000_bad.sql", body+"\n", true)
			errs, err := lintErrors(e.root, dev)
			require.NoError(t, err)
			var codes []string
			for _, f := range errs {
				if f.File == "plugins/image/migrations/"+d+"/29990101000000_bad.sql" {
					codes = append(codes, f.Code)
				}
			}
			require.NotEmpty(t, codes, "lint must catch it in the file: %+v", errs)
			if v.code != "" {
				require.Contains(t, codes, v.code, "%+v", errs)
			}

			_, err = e.migrator().Apply(ctx)
			require.Error(t, err, "apply must refuse it")
			require.Contains(t, err.Error(), "29990101000000_bad.sql")
			require.Equal(t, core, e.coreDump(), "core tables unchanged")
			_, err = e.db.DB.Exec("DELETE FROM plugmig_history WHERE version = '29990101000000'")
			require.NoError(t, err)
		})
	}
	if !legitToo {
		return
	}
	t.Run("legitimate migrations", func(t *testing.T) {
		root := testdb.CopyRoot(t)
		e.t, e.root = t, root
		e.addFile("image", "29990101000000_notes.sql", legit[d], true)
		require.Empty(t, lintRoot(t, root, dev))
		_, err := e.migrator().Apply(ctx)
		require.NoError(t, err)
	})
}

func TestLintRepositoryIsClean(t *testing.T) {
	t.Parallel()
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			dev := testdb.Dev(t, d)
			l := &lint.Linter{Project: project(t, testdb.Root(t)), Devs: map[string]*devdb.DB{d: dev}, Dialects: []string{d}}
			fs, err := l.Run(context.Background())
			require.NoError(t, err)
			require.False(t, lint.HasErrors(fs), "%+v", fs)
		})
	}
}

// TestLintWarnings: a core migration that renames a table plugins reference
// is a warning naming them; Atlas's analyzers report a destructive change
// as a warning, an error with --error.
func TestLintWarnings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dev := testdb.Dev(t, compose.SQLite)
	root := testdb.CopyRoot(t)
	e := &applyEnv{t: t, root: root, db: &testdb.DB{Dialect: compose.SQLite}}
	e.addFile("core", "29990101000000_rename.sql", "ALTER TABLE core__media_entries RENAME TO core__entries;\n", true)
	e.addFile("image", "29990101000000_drop.sql", "ALTER TABLE image__mediadata DROP COLUMN exif_all;\n", true)
	l := &lint.Linter{Project: project(t, root), Devs: map[string]*devdb.DB{compose.SQLite: dev}, Dialects: []string{compose.SQLite}}
	fs, err := l.Run(ctx)
	require.NoError(t, err)
	var core, atlas *lint.Finding
	for i, f := range fs {
		switch {
		case f.Code == lint.CodeBreaksPlugin:
			core = &fs[i]
		case strings.HasPrefix(f.Code, "DS") && f.File == "plugins/image/migrations/sqlite/29990101000000_drop.sql":
			atlas = &fs[i]
		}
	}
	require.NotNil(t, core, "%+v", fs)
	require.Equal(t, lint.Warning, core.Severity)
	require.Equal(t, "migrations/sqlite/29990101000000_rename.sql", core.File)
	require.Contains(t, core.Message, `renames table "core__media_entries" to "core__entries", which plugin(s) `+referencing(t, "core__media_entries")+` reference`)
	require.NotNil(t, atlas, "Atlas's destructive-change analyzer: %+v", fs)
	require.Equal(t, lint.Warning, atlas.Severity)

	l.Errors = []string{"DS"}
	fs, err = l.Run(ctx)
	require.NoError(t, err)
	for _, f := range fs {
		if strings.HasPrefix(f.Code, "DS") {
			require.Equal(t, lint.Error, f.Severity)
		}
	}
}

// TestLintDrift: a plugin whose migration is missing lags behind its ent
// schema; lint says which branch and what to run.
func TestLintDrift(t *testing.T) {
	t.Parallel()
	root := testdb.CopyRoot(t)
	e := &applyEnv{t: t, root: root, db: &testdb.DB{Dialect: compose.SQLite}}
	files, _ := filepath.Glob(filepath.Join(e.folder("image"), "2*.sql"))
	require.Len(t, files, 1)
	require.NoError(t, os.Remove(files[0]))
	e.rehash("image")
	l := &lint.Linter{Project: project(t, root), Devs: map[string]*devdb.DB{compose.SQLite: testdb.Dev(t, compose.SQLite)}, Dialects: []string{compose.SQLite}}
	fs, err := l.Run(context.Background())
	require.NoError(t, err)
	var drift []lint.Finding
	for _, f := range fs {
		if f.Code == lint.CodeDrift {
			drift = append(drift, f)
		}
	}
	require.Len(t, drift, 1, "%+v", fs)
	require.Equal(t, "image", drift[0].Branch)
	require.Contains(t, drift[0].Message, "the ent schema is ahead of the migrations")
	require.Contains(t, drift[0].Message, `create table "image__mediadata"`)
	require.Contains(t, drift[0].Message, "go run ./cmd diff --branch image")
}

// TestLintDriftMigrationsAhead: a hand-written migration that creates what
// the ent schema lacks puts the migrations ahead; PL303 says so and asks for
// the schema change, not a diff, which would write a DROP (issue 22, item 8).
func TestLintDriftMigrationsAhead(t *testing.T) {
	t.Parallel()
	root := testdb.CopyRoot(t)
	e := &applyEnv{t: t, root: root, db: &testdb.DB{Dialect: compose.SQLite}}
	e.addFile("image", "29990101000000_extra.sql", "CREATE TABLE image__extra (id integer);\n", true)
	l := &lint.Linter{Project: project(t, root), Devs: map[string]*devdb.DB{compose.SQLite: testdb.Dev(t, compose.SQLite)}, Dialects: []string{compose.SQLite}}
	fs, err := l.Run(context.Background())
	require.NoError(t, err)
	i := slices.IndexFunc(fs, func(f lint.Finding) bool { return f.Code == lint.CodeDrift })
	require.GreaterOrEqual(t, i, 0, "%+v", fs)
	require.Equal(t, "image", fs[i].Branch)
	require.Contains(t, fs[i].Message, "the migrations are ahead of the ent schema")
	require.Contains(t, fs[i].Message, `drop table "image__extra"`)
	require.Contains(t, fs[i].Message, "add it to the ent schema and run go generate ./...")
	require.NotContains(t, fs[i].Message, "run go run ./cmd diff")
}

// TestLintDriftCoreMigrationsAhead: a hand-written core migration creates a
// table core's ent schema lacks. Every plugin branch replays core's history
// too, and its PL303 says core's migrations are ahead (add it to core's ent
// schema), not that core's schema changed without a migration (a diff of
// core would drop it): the direction was wrong on the plugin side (issue
// 22).
func TestLintDriftCoreMigrationsAhead(t *testing.T) {
	t.Parallel()
	root := testdb.CopyRoot(t)
	e := &applyEnv{t: t, root: root, db: &testdb.DB{Dialect: compose.SQLite}}
	e.addFile("core", "29990101000000_extra.sql", "CREATE TABLE core__extra (id integer);\n", true)
	l := &lint.Linter{Project: project(t, root), Devs: map[string]*devdb.DB{compose.SQLite: testdb.Dev(t, compose.SQLite)}, Dialects: []string{compose.SQLite}}
	fs, err := l.Run(context.Background())
	require.NoError(t, err)
	branches := map[string]bool{}
	for _, f := range fs {
		if f.Code != lint.CodeDrift {
			continue
		}
		branches[f.Branch] = true
		if f.Branch == "core" {
			require.Contains(t, f.Message, "the migrations are ahead of the ent schema", "%+v", f)
			continue
		}
		require.Contains(t, f.Message, `drop table "core__extra", owned by core, whose migrations are ahead of its ent schema`, "%+v", f)
		require.Contains(t, f.Message, "add it to core's ent schema and run go generate ./...", "%+v", f)
		require.NotContains(t, f.Message, "its migration was not generated", "%+v", f)
		require.NotContains(t, f.Message, "diff --branch core", "%+v", f)
	}
	comp, err := app.Composer()
	require.NoError(t, err)
	all, err := comp.Branches()
	require.NoError(t, err)
	for _, b := range all {
		require.True(t, branches[b], "branch %s has a PL303: %+v", b, fs)
	}
}
