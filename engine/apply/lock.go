package apply

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// lockName identifies the run lock on every server.
const lockName = "plugmig_apply"

// MySQLLockName is the name of the GET_LOCK run lock of one MySQL database:
// named locks are server-wide, so the name carries the database's, and a
// run on one database never waits for a run on another. Names longer than
// MySQL's 64 characters are shortened to a hash of the database name.
func MySQLLockName(database string) string {
	name := lockName + "." + database
	if len(name) <= 64 {
		return name
	}
	sum := sha256.Sum256([]byte(database))
	return lockName + ".h" + hex.EncodeToString(sum[:])[:48]
}

// realPath is the absolute path of a file with every symbolic link
// resolved, also when the file (or the last link's target) does not exist
// yet, as a database about to be created.
func realPath(path string) (string, error) {
	for range 40 {
		abs, err := filepath.Abs(path)
		if err != nil {
			return "", err
		}
		dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
		if err != nil {
			return "", err
		}
		path = filepath.Join(dir, filepath.Base(abs))
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			return path, nil
		}
		target, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(dir, target)
		}
		path = target
	}
	return "", errors.New("too many levels of symbolic links")
}

// ErrLockTimeout is wrapped by the error of a run that could not take the
// lock in time.
var ErrLockTimeout = fmt.Errorf("lock timeout")

// lock takes the run lock of a database: a lock on a PostgreSQL table, a
// MySQL named lock, or for SQLite an exclusive file lock that works across
// processes (see [SQLiteLockPath]). It waits at most timeout.
func lock(ctx context.Context, dialect string, db *sql.DB, sqliteFile string, timeout time.Duration) (release func(), err error) {
	deadline := time.Now().Add(timeout)
	switch dialect {
	case "sqlite":
		return lockSQLite(ctx, sqliteFile, deadline, timeout)
	case "postgres":
		return lockPostgres(ctx, db, deadline, timeout)
	case "mysql":
		conn, err := db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		var database sql.NullString
		if err := conn.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&database); err != nil {
			conn.Close()
			return nil, fmt.Errorf("take the named lock: %w", err)
		}
		name := MySQLLockName(database.String)
		for {
			// GET_LOCK waits whole seconds; polling with 0 honours any timeout.
			var got sql.NullInt64
			if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", name).Scan(&got); err != nil {
				conn.Close()
				return nil, fmt.Errorf("take the named lock: %w", err)
			}
			if got.Int64 == 1 {
				return func() {
					conn.ExecContext(context.Background(), "SELECT RELEASE_LOCK(?)", name)
					conn.Close()
				}, nil
			}
			if err := waitOrGiveUp(ctx, deadline, timeout); err != nil {
				conn.Close()
				return nil, err
			}
		}
	}
	return nil, fmt.Errorf("unknown dialect %q", dialect)
}

func waitOrGiveUp(ctx context.Context, deadline time.Time, timeout time.Duration) error {
	if time.Now().After(deadline) {
		return lockTimeout(timeout)
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(50 * time.Millisecond):
		return nil
	}
}

func lockTimeout(timeout time.Duration) error {
	return fmt.Errorf("%w: another plugmig run held the database's migration lock for more than %s: let it finish (then there is nothing left to do), or raise --lock-timeout", ErrLockTimeout, timeout)
}
