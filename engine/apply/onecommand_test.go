package apply

import (
	"context"
	"strings"
	"testing"

	"github.com/plugmig/plugmig/internal/testdb"
)

// TestOneCommand: on PostgreSQL a statement that holds two commands is
// refused, whether the pool is pgx's (its exec mode) or another driver's
// (a prepared statement); one command runs either way. Without the rule
// (the simple protocol) both commands would run.
func TestOneCommand(t *testing.T) {
	ctx := context.Background()
	db := testdb.Postgres(t)
	for name, mode := range map[string]oneCommand{"pgx": pgxExecMode, "prepared": preparedCommand} {
		d := connDriver{c: db.DB, oneCommand: mode}
		_, err := d.ExecContext(ctx, "CREATE TABLE two_"+name+"_a (id integer); CREATE TABLE two_"+name+"_b (id integer)")
		if err == nil || !strings.Contains(err.Error(), "cannot insert multiple commands into a prepared statement") {
			t.Fatalf("%s: two commands in one statement: %v", name, err)
		}
		// A semicolon in a string: not plainly one command, so it goes in
		// the extended protocol, where it is one.
		if _, err := d.ExecContext(ctx, "CREATE TABLE one_"+name+" (c text DEFAULT ';') -- a comment"); err != nil {
			t.Fatalf("%s: one command: %v", name, err)
		}
	}
	if _, err := (connDriver{c: db.DB}).ExecContext(ctx, "CREATE TABLE simple_a (id integer); CREATE TABLE simple_b (id integer)"); err != nil {
		t.Fatalf("the simple protocol runs both: %v", err)
	}
	var n int
	if err := db.DB.QueryRow("SELECT count(*) FROM pg_class WHERE relname IN ('one_pgx', 'one_prepared', 'simple_a', 'simple_b') OR relname LIKE 'two\\_%'").Scan(&n); err != nil || n != 4 {
		t.Fatalf("tables: %d, %v; want the two single ones and both of the simple protocol's", n, err)
	}
}
