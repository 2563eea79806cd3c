// Package sqlq holds the small query helpers the engine packages share.
package sqlq

import (
	"context"
	"database/sql"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Querier runs a query: a pool, a connection or a transaction.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Strings returns the one column of every row a query returns.
func Strings(ctx context.Context, q Querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// PlainlyOneCommand reports whether PostgreSQL can only read q as one
// command, however it lexes its strings and comments: commands are
// separated by semicolons, and q has none but (perhaps) its last
// character. Most generated DDL is so.
func PlainlyOneCommand(q string) bool {
	return !strings.Contains(strings.TrimSuffix(strings.TrimRight(q, " \t\r\n"), ";"), ";")
}

// OneCommand runs query, a statement without arguments, on a connection of
// pgx's so that PostgreSQL runs exactly one command or refuses ("cannot
// insert multiple commands into a prepared statement"): pgx sends an Exec
// without arguments in the simple protocol, which runs every command the
// server finds, and a Query in the mode it is given, here the extended
// protocol's unnamed statement (one round trip).
func OneCommand(ctx context.Context, q Querier, query string) error {
	rows, err := q.QueryContext(ctx, query, pgx.QueryExecModeExec)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	return rows.Close()
}
