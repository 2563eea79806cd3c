package apply

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// lockName identifies the run lock on every server.
const lockName = "plugmig_apply"

// pgLockKey is the PostgreSQL advisory lock key: "plugmig" as a number.
const pgLockKey = 0x706c75676d6967

// ErrLockTimeout is wrapped by the error of a run that could not take the
// lock in time.
var ErrLockTimeout = fmt.Errorf("lock timeout")

// lock takes the run lock of a database: a PostgreSQL advisory lock, a
// MySQL named lock, or for SQLite an exclusive lock on "<file>.lock" that
// works across processes. It waits at most timeout.
func lock(ctx context.Context, dialect string, db *sql.DB, sqliteFile string, timeout time.Duration) (release func(), err error) {
	deadline := time.Now().Add(timeout)
	switch dialect {
	case "sqlite":
		return lockFile(ctx, sqliteFile+".lock", deadline, timeout)
	case "postgres":
		conn, err := db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		for {
			var ok bool
			if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", pgLockKey).Scan(&ok); err != nil {
				conn.Close()
				return nil, fmt.Errorf("take the advisory lock: %w", err)
			}
			if ok {
				return func() {
					conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", pgLockKey)
					conn.Close()
				}, nil
			}
			if err := waitOrGiveUp(ctx, deadline, timeout); err != nil {
				conn.Close()
				return nil, err
			}
		}
	case "mysql":
		conn, err := db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		for {
			// GET_LOCK waits whole seconds; polling with 0 honours any timeout.
			var got sql.NullInt64
			if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", lockName).Scan(&got); err != nil {
				conn.Close()
				return nil, fmt.Errorf("take the named lock: %w", err)
			}
			if got.Int64 == 1 {
				return func() {
					conn.ExecContext(context.Background(), "SELECT RELEASE_LOCK(?)", lockName)
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
