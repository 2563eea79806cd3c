package apply

import (
	"context"
	"crypto/rand"
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

// MySQLLockName is the name of the GET_LOCK run lock of one MySQL database
// whose LockTable holds secret: named locks are server-wide, so the name
// carries the database's (a run on one database never waits for a run on
// another), and anyone may take a named lock, so it carries the secret too.
// A plugin's account has no privilege on LockTable (apply grants it only
// core's tables, its dependencies' and its own), so nothing a plugin
// leaves behind — a trigger or an event running as its account in the
// application's session — can learn the name, take the lock and hold off
// every later apply: the database's privileges keep it out, not a reading
// of its code. The name is a hash, 64 characters at most.
func MySQLLockName(database, secret string) string {
	sum := sha256.Sum256([]byte(database + "\x00" + secret))
	return lockName + "." + hex.EncodeToString(sum[:])[:48]
}

// mysqlLockSecret returns the run lock's secret of the database conn is
// on, creating LockTable and the secret on the database's first run.
func mysqlLockSecret(ctx context.Context, conn *sql.Conn) (string, error) {
	var secret string
	err := conn.QueryRowContext(ctx, "SELECT secret FROM "+LockTable+" WHERE id = 1").Scan(&secret)
	if err == nil {
		return secret, nil
	}
	// The database's first run (two at once agree: INSERT IGNORE keeps the
	// first row, and both read it back).
	var b [32]byte
	if _, rerr := rand.Read(b[:]); rerr != nil {
		return "", rerr
	}
	for _, stmt := range []string{
		"CREATE TABLE IF NOT EXISTS " + LockTable + " (id int NOT NULL PRIMARY KEY, secret char(64) NOT NULL)",
		"INSERT IGNORE INTO " + LockTable + " (id, secret) VALUES (1, '" + hex.EncodeToString(b[:]) + "')",
	} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			if readOnly(err) {
				return "", fmt.Errorf("create the run lock's table %s: %s", LockTable, readOnlyAdvice(err, "nothing was applied"))
			}
			return "", fmt.Errorf("create the run lock's table %s: %w", LockTable, err)
		}
	}
	if err := conn.QueryRowContext(ctx, "SELECT secret FROM "+LockTable+" WHERE id = 1").Scan(&secret); err != nil {
		return "", fmt.Errorf("read the run lock's table %s: %w", LockTable, err)
	}
	return secret, nil
}

// MySQLRunLockName returns the name of the run lock of the MySQL database
// db is on (see MySQLLockName), creating its secret on the first run.
func MySQLRunLockName(ctx context.Context, db *sql.DB) (string, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	return mysqlRunLockName(ctx, conn)
}

func mysqlRunLockName(ctx context.Context, conn *sql.Conn) (string, error) {
	var database sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&database); err != nil {
		return "", fmt.Errorf("take the named lock: %w", err)
	}
	secret, err := mysqlLockSecret(ctx, conn)
	if err != nil {
		return "", err
	}
	return MySQLLockName(database.String, secret), nil
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
		name, err := mysqlRunLockName(ctx, conn)
		if err != nil {
			conn.Close()
			return nil, err
		}
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
