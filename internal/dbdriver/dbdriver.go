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
// enforced (ent and MediaGoblin both rely on them) and a busy timeout.
func SQLiteDSN(path string) string {
	// busy_timeout first: the foreign_keys pragma already waits for a lock.
	return "file:" + path + "?" + busyPragma + "&_pragma=foreign_keys(1)"
}

// busyPragma is SQLiteDSN's wait for a file another process has locked.
const busyPragma = "_pragma=busy_timeout(10000)"
