package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/internal/dbdriver"
)

// TestInputsCheckedBeforeConnecting (issue 21, items 2, 3 and 8): every
// input that names a database is checked before anything connects, and a
// refusal says what to write; nothing is created.
func TestInputsCheckedBeforeConnecting(t *testing.T) {
	dir := t.TempDir()
	long := "sqlite://" + dir + "/" + strings.Repeat("a", 100000) + ".db"
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"path not UTF-8", []string{"apply", "--url", "sqlite://" + dir + "/a\xffb.db"}, 2, `argument 3 ("sqlite://"...) is not valid UTF-8: it would name another file or database than the one meant`},
		{"postgres URL without database", []string{"status", "--url", "postgres://postgres@127.0.0.1:5432"}, 1, "database URL postgres://postgres@127.0.0.1:5432 names no database (the server would read its default one instead): add the database after the host"},
		{"postgres URL without anything", []string{"status", "--url", "postgres://"}, 1, "database URL postgres:// names no database"},
		{"postgres database name too long", []string{"apply", "--url", "postgres://postgres@127.0.0.1:5432/" + strings.Repeat("a", 100000)}, 1, "database URL postgres://postgres@127.0.0.1:5432/aaaaaaaaaaaaaaaaaaaaaaaaa...: its database name is 100000 bytes long, and PostgreSQL identifiers are at most 63 bytes"},
		{"postgres dbname= too long", []string{"status", "--url", "postgres://postgres@127.0.0.1:5432/?dbname=" + strings.Repeat("b", 64)}, 1, "its database name is 64 bytes long, and PostgreSQL identifiers are at most 63 bytes"},
		{"mysql database name too long", []string{"apply", "--url", "mysql://root@127.0.0.1:3306/" + strings.Repeat("a", 100000)}, 1, "its database name is 100000 characters long, and MySQL database names are at most 64 characters"},
		{"mysql URL without database", []string{"apply", "--url", "mysql://root@127.0.0.1:3306/"}, 1, "database URL mysql://root@127.0.0.1:3306/ names no database: add it after the host, e.g. mysql://user@host:3306/app"},
		{"missing folder", []string{"apply", "--url", "sqlite://" + dir + "/nosuch/app.db"}, 1, "its folder " + dir + "/nosuch does not exist: create it first (mkdir -p " + dir + "/nosuch), or fix the path"},
		{"folder as file", []string{"apply", "--url", "sqlite://" + dir}, 1, "SQLite path " + dir + " is a folder, not a database file: name a file in it, e.g. sqlite://" + dir + "/app.db"},
		{"overlong path", []string{"apply", "--url", long}, 1, "bytes long, more than the system allows (4096): give a shorter path"},
		{"parallel 0", []string{"status", "--targets", "-", "--parallel", "0"}, 2, "--parallel 0: give how many databases to work on at once, 1 or more"},
		{"parallel -1", []string{"status", "--targets", "-", "--parallel=-1"}, 2, "--parallel -1: give how many"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(c.args, &out, &errb)
			require.Equal(t, c.code, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
			require.Contains(t, errb.String(), c.want)
			require.Less(t, len(errb.String()), 1000, "the input is not echoed whole")
			require.NotContains(t, out.String(), "pending work")
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			require.Empty(t, entries, "nothing was created")
		})
	}
}

// TestTargetListedTwiceIsRefused (issue 21, item 8): one database under two
// names (or spelled two ways) in --targets would be migrated twice at once.
func TestTargetListedTwiceIsRefused(t *testing.T) {
	dir := t.TempDir()
	// Links to files not created yet: a link to x.db, a link to a folder.
	require.NoError(t, os.Symlink("x.db", filepath.Join(dir, "xlink.db")))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join(dir, "sub"), filepath.Join(dir, "sublink")))
	for _, list := range []string{
		"a=sqlite://" + dir + "/x.db\nb=sqlite://" + dir + "/../" + filepath.Base(dir) + "/x.db\n",
		"a=sqlite://" + dir + "/x.db\nb=sqlite://" + dir + "/xlink.db\n",
		"a=sqlite://" + dir + "/sub/y.db\nb=sqlite://" + dir + "/sublink/y.db\n",
		"a=postgres://postgres@127.0.0.1:5432/app?sslmode=disable\nb=postgres://postgres@localhost/app\n",
		"a=mysql://root@127.0.0.1:3306/app\nb=mariadb://root@127.0.0.1/app\n",
	} {
		f := filepath.Join(dir, "targets.txt")
		require.NoError(t, os.WriteFile(f, []byte(list), 0o644))
		var out, errb bytes.Buffer
		code := run([]string{"apply", "--targets", f}, &out, &errb)
		require.Equal(t, 2, code, errb.String())
		require.Contains(t, errb.String(), "targets 1 (a) and 2 (b) are the same database: list each database once")
	}
	for _, f := range []string{"x.db", "sub/y.db"} {
		_, err := os.Stat(filepath.Join(dir, f))
		require.ErrorIs(t, err, os.ErrNotExist)
	}
}

// TestLongTargetNameShortened: a target whose name is a 100,000-byte path
// is shortened in the progress line and the table, as in its error.
func TestLongTargetNameShortened(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "targets.txt")
	require.NoError(t, os.WriteFile(list, []byte("sqlite://"+dir+"/"+strings.Repeat("a", 100000)+".db\n"), 0o644))
	var out, errb bytes.Buffer
	code := run([]string{"apply", "--plugins", "none", "--targets", list}, &out, &errb)
	require.Equal(t, 1, code, errb.String())
	require.Contains(t, errb.String(), "bytes long, more than the system allows (4096): give a shorter path")
	require.Contains(t, out.String(), "failed")
	require.Less(t, len(errb.String()), 2000, "progress lines shorten the name")
	require.Less(t, len(out.String()), 1000, "the table shortens the name")
}

// TestLockedSQLiteFileHonoursLockTimeout (issue 21, item 8): a SQLite file
// another connection holds locked is waited for --lock-timeout, then
// refused as "locked by another process" (not a 10 s context deadline).
func TestLockedSQLiteFileHonoursLockTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"apply", "--plugins", "none", "--url", "sqlite://" + path}, &out, &errb), errb.String())
	holdSQLiteLock(t, path, "BEGIN EXCLUSIVE")

	out.Reset()
	errb.Reset()
	start := time.Now()
	code := run([]string{"status", "--lock-timeout", "1s", "--url", "sqlite://" + path}, &out, &errb)
	took := time.Since(start)
	require.Equal(t, 1, code)
	require.Contains(t, errb.String(), "is locked by another process: waited 1s (--lock-timeout) and it is still locked")
	require.Less(t, took, 6*time.Second, "the wait is --lock-timeout's, not 10 s")
}

// TestSQLiteLockedMidRunIsExplained: a write lock another connection holds
// lets a command open the file and read it, then refuses its first write
// (SQLITE_BUSY after --lock-timeout). That is explained as a lock held
// before the command starts is: locked by another process, wait and run
// again; not as a fault of the statement.
func TestSQLiteLockedMidRunIsExplained(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	url := "sqlite://" + path
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"apply", "--plugins", "image", "--url", url}, &out, &errb), errb.String())
	holdSQLiteLock(t, path, "BEGIN IMMEDIATE") // readers go on, writers wait

	for _, args := range [][]string{
		{"apply", "--plugins", "image,video", "--lock-timeout", "1s", "--url", url},
		{"plugin", "remove", "image", "--yes", "--plugins", "none", "--lock-timeout", "1s", "--url", url},
	} {
		t.Run(args[0], func(t *testing.T) {
			out.Reset()
			errb.Reset()
			code := run(args, &out, &errb)
			require.Equal(t, 1, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
			require.Contains(t, errb.String(), "locked by another process for longer than --lock-timeout: wait for that process to finish (or stop it), then run this again")
			require.NotContains(t, errb.String(), "fix the statement")
		})
	}
}

// holdSQLiteLock holds the SQLite file at path locked from another
// connection, taken by begin (BEGIN EXCLUSIVE or BEGIN IMMEDIATE), until
// the test ends.
func holdSQLiteLock(t *testing.T, path, begin string) {
	t.Helper()
	holder, err := sql.Open("sqlite3", dbdriver.SQLiteDSN(path))
	require.NoError(t, err)
	conn, err := holder.Conn(context.Background())
	require.NoError(t, err)
	_, err = conn.ExecContext(context.Background(), begin)
	require.NoError(t, err)
	t.Cleanup(func() {
		conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
		holder.Close()
	})
}
