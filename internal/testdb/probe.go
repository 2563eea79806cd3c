package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Servers reports whether the local PostgreSQL and MariaDB/MySQL servers
// answer, and if not, why. Tests that cannot take a testing.TB (script
// conditions) use it; the others call Open or Dev.
func Servers() (ok bool, reason string) {
	for _, s := range []struct{ driver, dsn, name string }{
		{"postgres", PostgresAdmin, "PostgreSQL"},
		{"mysql", MySQLAdmin, "MariaDB/MySQL"},
	} {
		db, err := sql.Open(s.driver, s.dsn)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			err = db.PingContext(ctx)
			cancel()
			db.Close()
		}
		if err != nil {
			return false, s.name + " unreachable at " + s.dsn + ": " + err.Error()
		}
	}
	return true, ""
}

// MySQLDevURL is the Atlas-style URL of the local MariaDB/MySQL server.
func MySQLDevURL() string {
	user, host, _ := strings.Cut(strings.TrimSuffix(MySQLAdmin, "/"), "@tcp(")
	return "mysql://" + user + "@" + strings.TrimSuffix(host, ")") + "/"
}

// Rows runs a query and returns each row printed with fmt.Sprint, sorted:
// a comparable dump of a table's rows or of a catalog query.
func Rows(db *sql.DB, query string) ([]string, error) {
	rows, err := db.Query(query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		lines = append(lines, fmt.Sprint(vals...))
	}
	sort.Strings(lines)
	return lines, rows.Err()
}
