package apply

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// LockTable is the table whose lock is the PostgreSQL run lock: a run
// holds it in EXCLUSIVE mode, in a transaction of its own session, from
// start to end. Nothing else is ever in it.
//
// It was an advisory lock with a fixed key. Anyone may take an advisory
// lock, and a session-level one lasts as long as its session: a trigger of
// a plugin's table that took the key in the application's session (its
// routines run as the plugin's role, which makes no difference to
// advisory locks) held off every later apply. A table lock needs a
// privilege on the table, and no plugin role holds any on this one (apply
// reconciles each role to exactly its privileges, which name only core's
// tables, its own and the history); so nothing a plugin leaves behind can
// take it, hold it or release it. EXCLUSIVE mode leaves reads (pg_dump)
// alone; the run's lock ends with its transaction, so a killed run's ends
// with its session, as the advisory lock did.
const LockTable = "plugmig_lock"

// lockPostgres takes the run lock of a PostgreSQL database (see
// LockTable), creating the table on the first run, waiting at most
// timeout.
func lockPostgres(ctx context.Context, db *sql.DB, deadline time.Time, timeout time.Duration) (func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	created := false
	for {
		tx, err := conn.BeginTx(ctx, nil)
		if err == nil {
			// The transaction stays open, idle, for the whole run: a server
			// set to end idle transactions must not end this one.
			if _, err = tx.ExecContext(ctx, "SET LOCAL idle_in_transaction_session_timeout = 0"); err == nil {
				_, err = tx.ExecContext(ctx, "LOCK TABLE "+LockTable+" IN EXCLUSIVE MODE NOWAIT")
			}
			if err == nil {
				return func() {
					tx.Rollback()
					conn.Close()
				}, nil
			}
			tx.Rollback()
		}
		switch msg := err.Error(); {
		case strings.Contains(msg, "SQLSTATE 42P01") && !created: // undefined_table: the database's first run
			created = true
			if err := createLockTable(ctx, conn, time.Until(deadline)); err != nil {
				conn.Close()
				return nil, err
			}
			continue
		case strings.Contains(msg, "SQLSTATE 55P03"): // lock_not_available
		case strings.Contains(msg, "SQLSTATE 42P01"): // another first run is creating it and has not committed yet
		case readOnly(err):
			conn.Close()
			return nil, fmt.Errorf("take the run lock (table %s): %s", LockTable, readOnlyAdvice(err, "nothing was applied"))
		default:
			conn.Close()
			return nil, fmt.Errorf("take the run lock (table %s): %w", LockTable, err)
		}
		if err := waitOrGiveUp(ctx, deadline, timeout); err != nil {
			conn.Close()
			return nil, err
		}
	}
}

// createLockTable creates LockTable, with no privilege for anyone but its
// owner, the migrator. Two first runs at once may both create it: the one
// that loses finds it there.
//
// Another session creating it, not committed yet, holds the name: wait for
// it at most until the deadline (then the run lock's timeout applies).
func createLockTable(ctx context.Context, conn *sql.Conn, wait time.Duration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ms := max(wait.Milliseconds(), 1)
	if _, err = tx.ExecContext(ctx, fmt.Sprintf("SET LOCAL lock_timeout = %d", ms)); err == nil {
		if _, err = tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+LockTable+" ()"); err == nil {
			if _, err = tx.ExecContext(ctx, "REVOKE ALL ON TABLE "+LockTable+" FROM PUBLIC"); err == nil {
				err = tx.Commit()
			}
		}
	}
	if err != nil && strings.Contains(err.Error(), "SQLSTATE 55P03") {
		return nil // someone else's creation held it past the deadline: the lock's wait reports the timeout
	}
	if err != nil && !concurrentlyCreated(err) {
		if readOnly(err) {
			return fmt.Errorf("create the run lock's table %s: %s", LockTable, readOnlyAdvice(err, "nothing was applied"))
		}
		return fmt.Errorf("create the run lock's table %s: %w", LockTable, err)
	}
	return nil
}

// concurrentlyCreated reports the errors of a CREATE ... IF NOT EXISTS that
// lost a race with another session creating the same name: PostgreSQL
// checks the name before it inserts the catalog rows, so the loser fails
// on the catalog's unique index (23505) or on the row type's name
// (42710), or on the table's (42P07), depending on when the winner
// committed.
func concurrentlyCreated(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLSTATE 23505") || strings.Contains(msg, "SQLSTATE 42710") || strings.Contains(msg, "SQLSTATE 42P07")
}
