package app_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/testdb"
)

// lockedMigrator returns a Migrator of db whose SQLite file is named path
// (another spelling of db's file) and that waits for the lock briefly.
func lockedMigrator(t *testing.T, e *applyEnv, path string) *apply.Migrator {
	t.Helper()
	comp, err := app.Composer()
	require.NoError(t, err)
	m, err := apply.New(e.db.DB, e.db.Dialect, comp, app.DiskSources(e.root), apply.WithSQLiteFile(path), apply.WithLockTimeout(200*time.Millisecond), apply.WithScratchURL(testdb.DevURL(t, e.db.Dialect)))
	require.NoError(t, err)
	return m
}

// TestSQLiteLockIsTheRealFile: a run that names the database through a
// symbolic link, a hard link, a relative path or another spelling takes the
// same lock as a run that names the file itself (issue 11, item 8).
func TestSQLiteLockIsTheRealFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, compose.SQLite)
	dir := filepath.Dir(e.db.Name)
	link := filepath.Join(t.TempDir(), "link.db")
	require.NoError(t, os.Symlink(e.db.Name, link))
	linkedDir := filepath.Join(t.TempDir(), "dir")
	require.NoError(t, os.Symlink(dir, linkedDir))
	require.NoError(t, e.db.DB.Ping(), "create the database file")
	hard := filepath.Join(t.TempDir(), "hard.db")
	require.NoError(t, os.Link(e.db.Name, hard))
	wd, err := os.Getwd()
	require.NoError(t, err)
	rel, err := filepath.Rel(wd, e.db.Name)
	require.NoError(t, err)
	release := holdLock(t, e.db)
	spellings := map[string]string{
		"symlink":               link,
		"symlinked folder":      filepath.Join(linkedDir, "test.db"),
		"dot-dot spelling":      filepath.Join(dir, "..", filepath.Base(dir), ".", "test.db"),
		"relative path":         rel,
		"double slash spelling": dir + "//test.db",
	}
	if runtime.GOOS == "linux" { // elsewhere the lock is "<file>.lock", one per hard link
		spellings["hard link"] = hard
	}
	for name, path := range spellings {
		_, err := lockedMigrator(t, e, path).Apply(ctx)
		require.ErrorIs(t, err, apply.ErrLockTimeout, "%s %s took the lock held on %s", name, path, e.db.Name)
	}
	require.NotContains(t, e.snapshot(), "core__users", "nothing ran")
	release()
	_, err = lockedMigrator(t, e, link).Apply(ctx)
	require.NoError(t, err)
}

// TestMySQLLockIsPerDatabase: GET_LOCK names are server-wide; a run on one
// database never waits for a run on another (issue 11, item 8).
func TestMySQLLockIsPerDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	busy := newApplyEnv(t, compose.MySQL)
	other := &applyEnv{t: t, db: testdb.Open(t, compose.MySQL), root: busy.root}
	release := holdLock(t, busy.db)
	defer release()
	start := time.Now()
	_, err := lockedMigrator(t, other, "").Apply(ctx)
	require.NoError(t, err, "a run on another database does not wait")
	require.Less(t, time.Since(start), 30*time.Second)
	_, err = lockedMigrator(t, busy, "").Apply(ctx)
	require.ErrorIs(t, err, apply.ErrLockTimeout, "a run on the same database waits")
	require.LessOrEqual(t, len(apply.MySQLLockName(string(make([]byte, 64)), "secret")), 64, "GET_LOCK names are at most 64 characters")
}

// TestMySQLRunLockIsPrivate (issue 19): the MySQL run lock's name carries a
// secret kept in plugmig_lock, on which no plugin account holds any
// privilege: a trigger or event of a plugin (running as its account)
// cannot learn the name, so it cannot take the lock and hold off later
// runs, whatever its code says. Every run agrees on the name.
func TestMySQLRunLockIsPrivate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, compose.MySQL)
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	name, err := apply.MySQLRunLockName(ctx, e.db.DB)
	require.NoError(t, err)
	again, err := apply.MySQLRunLockName(ctx, e.db.DB)
	require.NoError(t, err)
	require.Equal(t, name, again, "every run takes the same lock")
	require.NotContains(t, name, e.db.Name, "the name is not derived from the database's alone")
	accounts, err := testdb.Rows(e.db.DB, "SELECT DISTINCT GRANTEE FROM information_schema.TABLE_PRIVILEGES WHERE TABLE_SCHEMA = DATABASE() AND GRANTEE LIKE '%plugmig%'")
	require.NoError(t, err)
	require.NotEmpty(t, accounts, "the plugins' accounts exist and hold table privileges")
	onLock, err := testdb.Rows(e.db.DB, "SELECT GRANTEE, PRIVILEGE_TYPE FROM information_schema.TABLE_PRIVILEGES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'plugmig_lock'")
	require.NoError(t, err)
	require.Empty(t, onLock, "no account but the migrator may read the lock's secret")
	onDB, err := testdb.Rows(e.db.DB, "SELECT GRANTEE, PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE TABLE_SCHEMA = DATABASE() AND GRANTEE LIKE '%plugmig%' AND PRIVILEGE_TYPE IN ('SELECT', 'ALL PRIVILEGES')")
	require.NoError(t, err)
	require.Empty(t, onDB, "no plugin account reads every table of the database")
}
