package app_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/drift"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/testdb"
)

// realMediaGoblin is a real MediaGoblin v0.15 SQLite database, built by its
// own Alembic migrations with its default configuration plus the plugin
// writer guide's example plugin. Tests copy it; none writes it.
const realMediaGoblin = "testdata/mediagoblin_v0.15_default_plus_yourplugin.sqlite"

// mgOptions vary the MediaGoblin databases the tests build.
type mgOptions struct {
	// smallintProgress creates core__media_entries.transcoding_progress as
	// MediaGoblin's initial migration did (SMALLINT), not as its model says.
	smallintProgress bool
}

// mediagoblin returns a MediaGoblin database of the dialect with rows in it:
// on SQLite a copy of the real database; on PostgreSQL and MariaDB one built
// from MediaGoblin's DDL (testdata/mediagoblin-core-schema.md: core and the
// image media type), plus the tables of two plugins this application does
// not have and MediaGoblin's alembic_version.
func mediagoblin(t *testing.T, dialect string, o mgOptions) *testdb.DB {
	t.Helper()
	db := testdb.Open(t, dialect)
	if dialect == "sqlite" {
		b, err := os.ReadFile(realMediaGoblin)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(db.Name, b, 0o644))
	} else {
		for _, stmt := range mediagoblinDDL(t, dialect, o) {
			_, err := db.DB.Exec(stmt)
			require.NoError(t, err, stmt)
		}
	}
	for _, stmt := range mediagoblinRows(dialect) {
		_, err := db.DB.Exec(stmt)
		require.NoError(t, err, stmt)
	}
	return db
}

func quoteIn(dialect, name string) string {
	if dialect == "mysql" {
		return "`" + name + "`"
	}
	return `"` + name + `"`
}

// mediagoblinDDL is MediaGoblin's DDL as the reference describes it, in
// PostgreSQL, or translated to MariaDB the way this project maps types
// (VARCHAR -> varchar(255), TEXT -> longtext; MediaGoblin has no MySQL
// support of its own).
func mediagoblinDDL(t *testing.T, dialect string, o mgOptions) []string {
	q := func(s string) string { return quoteIn(dialect, s) }
	cols := func(names []string) string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = q(n)
		}
		return strings.Join(out, ", ")
	}
	var create, after []string
	for _, tb := range readReference(t) {
		if tb.name == "archivalook__featured_media" {
			continue // not in the database: apply creates it
		}
		var defs []string
		for _, c := range tb.cols {
			typ := c.pgT
			if tb.name == "core__media_entries" && c.name == "transcoding_progress" && o.smallintProgress {
				typ = "SMALLINT"
			}
			if dialect == "mysql" {
				typ = mysqlType(typ)
				if tb.name == "core__mediafiles" && c.name == "name_id" {
					typ = "int" // MariaDB refuses a foreign key between integers of different sizes
				}
			}
			def := q(c.name) + " " + typ
			if !c.nullable {
				def += " NOT NULL"
			}
			defs = append(defs, def)
			if c.fk != "" {
				rt, rc, _ := strings.Cut(c.fk, ".")
				after = append(after, fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s)",
					q(tb.name), q(tb.name+"_"+c.name+"_fkey"), q(c.name), q(rt), q(rc)))
			}
		}
		defs = append(defs, fmt.Sprintf("CONSTRAINT %s PRIMARY KEY (%s)", q(tb.name+"_pkey"), cols(tb.pk)))
		for _, u := range tb.uniques {
			defs = append(defs, fmt.Sprintf("CONSTRAINT %s UNIQUE (%s)", q(tb.name+"_"+strings.Join(u, "_")+"_key"), cols(u)))
		}
		stmt := fmt.Sprintf("CREATE TABLE %s (\n  %s\n)", q(tb.name), strings.Join(defs, ",\n  "))
		if dialect == "mysql" {
			stmt += " CHARSET utf8mb4 COLLATE utf8mb4_bin"
		}
		create = append(create, stmt)
		names := make([]string, 0, len(tb.indexes))
		for n := range tb.indexes {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			after = append(after, fmt.Sprintf("CREATE INDEX %s ON %s (%s)", q(n), q(tb.name), cols(tb.indexes[n])))
		}
	}
	ts, str, serial, charset := "TIMESTAMP", "VARCHAR", "SERIAL", ""
	if dialect == "mysql" {
		ts, str, serial, charset = "datetime", "varchar(255)", "int AUTO_INCREMENT", " CHARSET utf8mb4 COLLATE utf8mb4_bin"
	}
	others := []string{
		// The subtitles plugin's table, with core's prefix (a legacy name
		// the plugin claims): created by MediaGoblin's core folder.
		fmt.Sprintf("CREATE TABLE core__subtitle_files (id %[3]s NOT NULL, media_entry INTEGER NOT NULL, name %[2]s NOT NULL, filepath %[2]s, created %[1]s NOT NULL, PRIMARY KEY (id), CONSTRAINT core__subtitle_files_media_entry_fkey FOREIGN KEY (media_entry) REFERENCES core__media_entries (id))%[4]s", ts, str, serial, charset),
		fmt.Sprintf("CREATE TABLE yourplugin__media_security (media_entry INTEGER NOT NULL, rating %s, PRIMARY KEY (media_entry), FOREIGN KEY (media_entry) REFERENCES core__media_entries (id))", str),
		"CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))",
		"INSERT INTO alembic_version (version_num) VALUES ('a98c1a320e88'), ('afd3d1da5e29'), ('bcd2fbf24bfb'), ('cc3651803714')",
	}
	return append(append(create, after...), others...)
}

func mysqlType(pg string) string {
	switch pg {
	case "VARCHAR":
		return "varchar(255)"
	case "TEXT":
		return "longtext"
	case "TIMESTAMP WITHOUT TIME ZONE":
		return "datetime"
	case "FLOAT":
		return "double"
	case "SERIAL":
		return "int AUTO_INCREMENT"
	case "INTEGER":
		return "int"
	}
	return pg // BOOLEAN, SMALLINT, DATE
}

// mediagoblinRows fills tables of core, of the image plugin and of plugins
// the application does not have. Keys numbered by the database are left to
// it, as MediaGoblin's ORM does.
func mediagoblinRows(dialect string) []string {
	const ts = "'2024-05-06 07:08:09'"
	user := quoteIn(dialect, "user")
	return []string{
		"INSERT INTO core__users (name, type, created, updated) VALUES ('alice', 'user_local', " + ts + ", " + ts + "), ('bob', 'user_remote', " + ts + ", " + ts + ")",
		"INSERT INTO core__local_users (id, username, email, pw_hash, wants_comment_notification, wants_notifications, uploaded, upload_limit) VALUES (1, 'alice', 'alice@example.org', 'x', true, false, 10, 100)",
		"INSERT INTO core__remote_users (id, webfinger) VALUES (2, 'bob@example.net')",
		"INSERT INTO core__privileges (privilege_name) VALUES ('admin'), ('uploader')",
		"INSERT INTO core__privileges_users (" + user + ", privilege) VALUES (1, 1), (1, 2)",
		"INSERT INTO core__media_entries (public_id, remote, actor, title, slug, media_type, state, created, updated, transcoding_progress) VALUES ('https://mg.example/1', false, 1, 'Sunset', 'sunset', 'mediagoblin.media_types.image', 'processed', " + ts + ", " + ts + ", 100)",
		"INSERT INTO core__tags (slug) VALUES ('sky')",
		"INSERT INTO core__media_tags (media_entry, tag, name) VALUES (1, 1, 'Sky')",
		"INSERT INTO core__file_keynames (name) VALUES ('original')",
		"INSERT INTO core__mediafiles (media_entry, name_id, file_path) VALUES (1, 1, 'media_entries/1/sunset.jpg')",
		"INSERT INTO image__mediadata (media_entry, width, height, exif_all) VALUES (1, 640, 480, '{}')",
		"INSERT INTO yourplugin__media_security (media_entry, rating) VALUES (1, 'safe')",
		"INSERT INTO core__subtitle_files (id, media_entry, name, created) VALUES (1, 1, 'en.vtt', " + ts + ")",
	}
}

// dumpRows returns every row of every table, as text, sorted per table.
func dumpRows(t *testing.T, db *testdb.DB) map[string][]string {
	t.Helper()
	drv, err := compose.Open(db.Dialect, db.DB)
	require.NoError(t, err)
	s, err := drv.InspectSchema(context.Background(), "", nil)
	require.NoError(t, err)
	out := map[string][]string{}
	for _, tb := range s.Tables {
		rows, err := db.DB.Query("SELECT * FROM " + quoteIn(db.Dialect, tb.Name))
		require.NoError(t, err)
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					vals[i] = string(b)
				}
			}
			lines = append(lines, fmt.Sprint(vals...))
		}
		require.NoError(t, rows.Err())
		rows.Close()
		sort.Strings(lines)
		out[tb.Name] = lines
	}
	return out
}

// adoptEnv is a database with its Migrator and drift Checker.
type adoptEnv struct {
	db      *testdb.DB
	m       *apply.Migrator
	chk     *drift.Checker
	target  drift.Target
	sources apply.Sources
}

func newAdoptEnv(t *testing.T, db *testdb.DB, sources apply.Sources) *adoptEnv {
	t.Helper()
	comp, err := app.Composer()
	require.NoError(t, err)
	if sources == nil {
		sources = app.Sources()
	}
	m, err := apply.New(db.DB, db.Dialect, comp, sources, apply.WithSQLiteFile(db.Name), apply.WithScratchURL(db.URL))
	require.NoError(t, err)
	chk, err := drift.New(comp, sources, drift.WithDeviations(app.Deviations()...))
	require.NoError(t, err)
	return &adoptEnv{db: db, m: m, chk: chk, sources: sources,
		target: drift.Target{DB: db.DB, Dialect: db.Dialect, Migrator: m, ScratchURL: db.URL}}
}

// head returns a branch's newest version.
func (e *adoptEnv) head(t *testing.T, branch string) string {
	t.Helper()
	dir, err := e.sources.Dir(branch, e.db.Dialect)
	require.NoError(t, err)
	files, err := dir.Files()
	require.NoError(t, err)
	return files[len(files)-1].Version()
}

func branchReport(t *testing.T, r *drift.Report, branch string) drift.BranchReport {
	t.Helper()
	i := slices.IndexFunc(r.Branches, func(b drift.BranchReport) bool { return b.Branch == branch })
	require.GreaterOrEqual(t, i, 0, "branch %s in the report", branch)
	return r.Branches[i]
}

func strs(ds []drift.Difference) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.String()
	}
	return out
}
