package main

import (
	"context"
	"database/sql"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/roles"
	"github.com/plugmig/plugmig/internal/testdb"
)

// scratchOf lists the scratch databases of one process on the local
// servers (their names carry the process id).
func scratchOf(t *testing.T, pg, my *sql.DB, pid int) []string {
	t.Helper()
	pattern := fmt.Sprintf(`plugmig\_dev\_%%\_%d\_%%`, pid)
	var names []string
	for _, q := range []struct {
		db    *sql.DB
		query string
	}{
		{pg, "SELECT datname FROM pg_database WHERE datname LIKE $1"},
		{my, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?"},
	} {
		rows, err := q.db.Query(q.query, pattern)
		require.NoError(t, err)
		for rows.Next() {
			var n string
			require.NoError(t, rows.Scan(&n))
			names = append(names, n)
		}
		require.NoError(t, rows.Close())
	}
	return names
}

// TestInterruptDropsScratchDatabases interrupts a lint run (SIGINT, then
// SIGTERM) while its scratch databases exist on PostgreSQL and MariaDB:
// the process drops them before it ends (issue 11, item 11).
func TestInterruptDropsScratchDatabases(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts lint processes")
	}
	pg := testdb.Postgres(t).DB // skips (or fails under CI) without the servers
	my := testdb.MySQL(t).DB
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := plugmigProcess(ctx, "lint", "--dialects", "postgres,mysql")
			cmd.Env = append(cmd.Env, "DEV_URL_POSTGRES="+testdb.PostgresAdmin, "DEV_URL_MYSQL="+testdb.MySQLDevURL())
			require.NoError(t, cmd.Start())
			pid := cmd.Process.Pid
			deadline := time.Now().Add(2 * time.Minute)
			for len(scratchOf(t, pg, my, pid)) < 2 {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("lint created no scratch database on both servers within 2 minutes")
				}
				time.Sleep(20 * time.Millisecond)
			}
			scratches := scratchOf(t, pg, my, pid)
			require.NoError(t, cmd.Process.Signal(sig))
			err := cmd.Wait()
			require.Error(t, err, "an interrupted lint does not exit 0")
			deadline = time.Now().Add(15 * time.Second)
			for {
				left := scratchOf(t, pg, my, pid)
				if len(left) == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("scratch databases left after %s: %v", sig, left)
				}
				time.Sleep(100 * time.Millisecond)
			}
			// And the logins and plugin identities made for them.
			for _, n := range scratches {
				tag := roles.DatabaseTag(n)
				var left int
				require.NoError(t, pg.QueryRow(`SELECT count(*) FROM pg_roles WHERE rolname LIKE 'plugmig\_%\_' || $1`, tag).Scan(&left))
				require.Zero(t, left, "PostgreSQL roles of %s left after %s", n, sig)
				require.NoError(t, my.QueryRow(`SELECT count(*) FROM mysql.user WHERE User LIKE CONCAT('plugmig\_%\_', ?)`, tag).Scan(&left))
				require.Zero(t, left, "MariaDB accounts of %s left after %s", n, sig)
			}
		})
	}
}
