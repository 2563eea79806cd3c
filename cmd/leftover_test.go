package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/roles"
	"github.com/plugmig/plugmig/internal/testdb"
)

// TestAnyCommandRemovesKilledRunsLeftovers (issue 21, item 4): a scratch
// database and scratch login a killed run left minutes ago (its life lock
// free, nobody connected) are dropped by the next command on that server,
// status included, on PostgreSQL and MariaDB.
func TestAnyCommandRemovesKilledRunsLeftovers(t *testing.T) {
	t.Parallel()
	for _, d := range []string{"postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			db := testdb.Open(t, d)
			scratch := fmt.Sprintf("plugmig_dev_%d_%d_%s", time.Now().Add(-5*time.Minute).Unix(), os.Getpid()+1, strings.ToLower(roles.Password()[:6]))
			login := "plugmig_dl_" + roles.DatabaseTag(scratch)
			createLogin, dropLogin := "CREATE ROLE "+login, "DROP ROLE IF EXISTS "+login
			if d == "mysql" {
				createLogin, dropLogin = "CREATE USER '"+login+"'@'%' IDENTIFIED BY 'x'", "DROP USER IF EXISTS '"+login+"'@'%'"
			}
			for _, s := range []string{"CREATE DATABASE " + scratch, createLogin} {
				_, err := db.DB.Exec(s)
				require.NoError(t, err)
			}
			t.Cleanup(func() {
				db.DB.Exec("DROP DATABASE IF EXISTS " + scratch)
				db.DB.Exec(dropLogin)
			})
			// A process of its own: a process sweeps each server once.
			out, _ := plugmigProcess(context.Background(), "status", "--root", testdb.Root(t), "--url", db.URL).CombinedOutput()
			var n int
			q := "SELECT (SELECT count(*) FROM pg_database WHERE datname = $1) + (SELECT count(*) FROM pg_roles WHERE rolname = $2)"
			if d == "mysql" {
				q = "SELECT (SELECT count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?) + (SELECT count(*) FROM mysql.user WHERE User = ?)"
			}
			require.NoError(t, db.DB.QueryRow(q, scratch, login).Scan(&n))
			require.Zero(t, n, "status swept the killed run's scratch database and login\n%s", out)
		})
	}
}
