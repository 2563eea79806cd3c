package sqliteauth_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite" // registers "sqlite"

	"github.com/plugmig/plugmig/engine/sqliteauth"
)

// TestSQLiteOwnTables: SQLite's own objects that a plugin's DDL creates
// (sqlite_sequence for the first AUTOINCREMENT table of a database, the
// sqlite_autoindex_* of a non-integer primary key) are allowed with a
// strict policy; what the plugin does not own is refused.
func TestSQLiteOwnTables(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "x.db"))
	require.NoError(t, err)
	defer db.Close()
	c, err := db.Conn(ctx)
	require.NoError(t, err)
	defer c.Close()
	a := sqliteauth.New()
	require.NoError(t, a.Install(ctx, c))
	p := &sqliteauth.Policy{
		Owns:    func(n string) bool { return strings.HasPrefix(n, "image__") },
		Foreign: func(n string) bool { return !strings.HasPrefix(n, "image__") },
	}
	run := func(stmt string) error {
		return a.Run(p, stmt, func() error { _, err := c.ExecContext(ctx, stmt); return err })
	}
	require.NoError(t, run("CREATE TABLE image__a (id integer PRIMARY KEY AUTOINCREMENT, x text)"), "creates sqlite_sequence")
	require.NoError(t, run("CREATE TABLE image__b (id text NOT NULL, PRIMARY KEY (id))"), "creates sqlite_autoindex_image__b_1")
	require.NoError(t, run("INSERT INTO image__a (x) VALUES ('a')"))
	var d *sqliteauth.Denial
	require.True(t, errors.As(run("UPDATE sqlite_sequence SET seq = 9"), &d))
	require.Equal(t, sqliteauth.Sequence, d.Kind)
	require.True(t, errors.As(run("CREATE TABLE core__x (id integer)"), &d))
	require.Equal(t, sqliteauth.Name, d.Kind)
	require.True(t, errors.As(run("ATTACH ':memory:' AS m"), &d))
	require.Equal(t, sqliteauth.Escape, d.Kind)
}

// TestOneStatement: a text is one statement as SQLite reads it (strings,
// quoted names, comments and a trigger's BEGIN ... END hold semicolons),
// and two where SQLite would run two.
func TestOneStatement(t *testing.T) {
	for text, one := range map[string]bool{
		"CREATE TABLE image__x (id integer)":                                             true,
		"CREATE TABLE image__x (id integer);":                                            true,
		"CREATE TABLE image__x (id integer); -- done\n":                                  true,
		"CREATE TABLE image__x (id integer);;  /* x */ ;":                                true,
		"INSERT INTO image__x VALUES ('a;b'), (\"c;d\")":                                 true,
		"CREATE TRIGGER image__t AFTER INSERT ON image__x BEGIN SELECT 1; SELECT 2; END": true,
		"CREATE TRIGGER image__t AFTER INSERT ON image__x BEGIN SELECT 1; END;":          true,
		"SELECT 1 /* ; */; -- ;":                                                         true,
		"DROP TABLE IF EXISTS image__x; UPDATE sqlite_sequence SET seq = 1":              false,
		"CREATE TABLE image__x (id integer);\nDELETE FROM core__tags;":                   false,
		"CREATE TRIGGER image__t AFTER INSERT ON image__x BEGIN SELECT 1; END; SELECT 2": false,
		"SELECT ';'; SELECT 2":                                                           false,
	} {
		require.Equal(t, one, sqliteauth.OneStatement(text), text)
	}
}
