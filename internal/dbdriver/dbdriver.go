// Package dbdriver registers the database/sql drivers under the names ent and
// Atlas expect: "sqlite3" (modernc.org/sqlite, pure Go, no cgo), "postgres"
// (pgx) and "mysql" (go-sql-driver). Import it for its side effects.
package dbdriver

import (
	"database/sql"

	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"

	_ "github.com/go-sql-driver/mysql" // registers "mysql"
)

func init() {
	sql.Register("sqlite3", &sqlite.Driver{})
	sql.Register("postgres", stdlib.GetDefaultDriver())
}

// SQLiteDSN returns the DSN of a SQLite database file with foreign keys
// enforced (ent and MediaGoblin both rely on them), a busy timeout, and
// times written as SQLite's date functions read them
// ("2006-01-02 15:04:05.999999999-07:00"; the driver's default is Go's
// time.Time.String, which they do not read, monotonic clock included).
func SQLiteDSN(path string) string {
	// busy_timeout first: the foreign_keys pragma already waits for a lock.
	return "file:" + path + "?" + busyPragma + "&_pragma=foreign_keys(1)&_time_format=sqlite"
}

// busyPragma is SQLiteDSN's wait for a file another process has locked.
const busyPragma = "_pragma=busy_timeout(10000)"
