package dbdriver_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/internal/dbdriver"
	"github.com/plugmig/plugmig/internal/testdb"
)

// TestMissingDatabaseSaysCreateIt: a URL naming a database the server does
// not have gets an error that says to create it, with the command, on
// PostgreSQL and MariaDB.
func TestMissingDatabaseSaysCreateIt(t *testing.T) {
	if ok, reason := testdb.Servers(); !ok {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the database servers are required under CI=true: %s", reason)
		}
		t.Skipf("SKIPPED: %s", reason)
	}
	for _, url := range []string{
		strings.Replace(testdb.PostgresAdmin, "/postgres?", "/plugmig_no_such_db?", 1),
		testdb.MySQLDevURL() + "plugmig_no_such_db",
	} {
		_, db, err := dbdriver.Open(context.Background(), url)
		if db != nil {
			db.Close()
		}
		require.ErrorContains(t, err, `the server has no database "plugmig_no_such_db": create it first (`)
		require.ErrorContains(t, err, "CREATE DATABASE plugmig_no_such_db)")
	}
}
