package testdb

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/roles"
)

func TestMain(m *testing.M) {
	if code, supervised := Supervise(); supervised {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestNeighbourPanics is the test TestSupervisedPanicDropsWhatWasLeft runs
// in a test binary of its own: it creates a database on each server and a
// plugin role and account named after them, then another goroutine panics,
// which ends the process before any test's cleanup runs.
func TestNeighbourPanics(t *testing.T) {
	if os.Getenv("TESTDB_NEIGHBOUR_PANICS") != "1" {
		t.Skip("run by TestSupervisedPanicDropsWhatWasLeft")
	}
	pg, my := Postgres(t), MySQL(t)
	_, err := pg.DB.Exec("CREATE ROLE plugmig_x_" + roles.DatabaseTag(pg.Name))
	require.NoError(t, err)
	_, err = my.DB.Exec("CREATE USER 'plugmig_x_" + roles.DatabaseTag(my.Name) + "'@'%'")
	require.NoError(t, err)
	fmt.Printf("created %s %s\n", pg.Name, my.Name)
	done := make(chan bool)
	go func() { panic("a neighbour's bug") }()
	<-done
}

// TestSupervisedPanicDropsWhatWasLeft: a test binary whose tests panic
// leaves nothing on the servers — not the databases, roles or accounts of
// the tests running beside the one that panicked.
func TestSupervisedPanicDropsWhatWasLeft(t *testing.T) {
	Postgres(t) // skips (fails under CI=true) without the servers
	MySQL(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestNeighbourPanics$", "-test.v")
	cmd.Env = append(os.Environ(), "TESTDB_NEIGHBOUR_PANICS=1")
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "%s", out)
	require.Contains(t, string(out), "a neighbour's bug")
	m := regexp.MustCompile(`created (\S+) (\S+)`).FindStringSubmatch(string(out))
	require.NotNil(t, m, "%s", out)
	require.Contains(t, string(out), "testdb: dropped what the tests of process")

	pgAdmin := open(t, "postgres", PostgresAdmin, "PostgreSQL")
	left, err := Rows(pgAdmin, "SELECT datname FROM pg_database WHERE datname = '"+m[1]+"' UNION ALL SELECT rolname FROM pg_roles WHERE rolname = 'plugmig_x_"+roles.DatabaseTag(m[1])+"'")
	require.NoError(t, err)
	require.Empty(t, left, "PostgreSQL database and role dropped")
	myAdmin := open(t, "mysql", MySQLAdmin, "MariaDB/MySQL")
	left, err = Rows(myAdmin, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '"+m[2]+"' UNION ALL SELECT User FROM mysql.user WHERE User = 'plugmig_x_"+roles.DatabaseTag(m[2])+"'")
	require.NoError(t, err)
	require.Empty(t, left, "MariaDB database and account dropped")
}
