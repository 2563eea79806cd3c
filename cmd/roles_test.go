package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/roles"
	"github.com/plugmig/plugmig/internal/testdb"
)

// TestRolesDropOrphaned: roles --drop-orphaned drops the plugin identities
// whose database is gone, and no other, on PostgreSQL and MariaDB.
func TestRolesDropOrphaned(t *testing.T) {
	t.Parallel()
	for _, d := range []string{"postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			db := testdb.Open(t, d)
			gone := roles.Name("plugmig_gone_"+strings.ToLower(roles.Password()[:8]), "ghost")
			live := roles.Name(db.Name, "alive")
			create, drop := "CREATE ROLE %s", "DROP ROLE IF EXISTS %s"
			if d == "mysql" {
				create, drop = "CREATE USER '%s'@'%%'", "DROP USER IF EXISTS '%s'@'%%'"
			}
			for _, n := range []string{gone, live} {
				_, err := db.DB.Exec(strings.ReplaceAll(create, "%s", n))
				require.NoError(t, err)
				t.Cleanup(func() { db.DB.Exec(strings.ReplaceAll(drop, "%s", n)) })
			}
			var stdout, stderr bytes.Buffer
			code := run([]string{"roles", "--drop-orphaned", "--root", testdb.Root(t), "--url", db.URL}, &stdout, &stderr)
			require.Equal(t, 0, code, stderr.String())
			require.Contains(t, stdout.String(), gone)
			require.NotContains(t, stdout.String(), live)
			require.Regexp(t, `-- dropped (\d+) of \d+ orphaned plugin identities and killed runs' leftovers \(the statements above ran\)`, stdout.String())
			exists := "SELECT count(*) FROM pg_roles WHERE rolname = $1"
			if d == "mysql" {
				exists = "SELECT count(*) FROM mysql.user WHERE User = ?"
			}
			for n, want := range map[string]int{gone: 0, live: 1} {
				var got int
				require.NoError(t, db.DB.QueryRow(exists, n).Scan(&got))
				require.Equal(t, want, got, n)
			}
		})
	}
}

// TestRolesDropOrphanedDryRunAndOneDatabase (issue 21, item 4): --dry-run
// lists and drops nothing; --database limits it to one dropped database's
// identities and refuses a database that exists; on PostgreSQL and MariaDB.
// Not parallel: TestRolesDropOrphaned drops every orphan on the server.
func TestRolesDropOrphanedDryRunAndOneDatabase(t *testing.T) {
	for _, d := range []string{"postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			db := testdb.Open(t, d)
			goneDB := "plugmig_gone_" + strings.ToLower(roles.Password()[:8])
			gone := roles.Name(goneDB, "ghost")
			other := roles.Name("plugmig_gone_"+strings.ToLower(roles.Password()[:8]), "ghost")
			create, drop := "CREATE ROLE %s", "DROP ROLE IF EXISTS %s"
			if d == "mysql" {
				create, drop = "CREATE USER '%s'@'%%'", "DROP USER IF EXISTS '%s'@'%%'"
			}
			for _, n := range []string{gone, other} {
				_, err := db.DB.Exec(strings.ReplaceAll(create, "%s", n))
				require.NoError(t, err)
				t.Cleanup(func() { db.DB.Exec(strings.ReplaceAll(drop, "%s", n)) })
			}
			exists := func(n string) bool {
				q := "SELECT count(*) FROM pg_roles WHERE rolname = $1"
				if d == "mysql" {
					q = "SELECT count(*) FROM mysql.user WHERE User = ?"
				}
				var got int
				require.NoError(t, db.DB.QueryRow(q, n).Scan(&got))
				return got > 0
			}
			cli := func(args ...string) (string, string, int) {
				var stdout, stderr bytes.Buffer
				code := run(append([]string{"roles", "--drop-orphaned", "--root", testdb.Root(t), "--url", db.URL}, args...), &stdout, &stderr)
				return stdout.String(), stderr.String(), code
			}
			out, errs, code := cli("--dry-run")
			require.Equal(t, 0, code, errs)
			require.Contains(t, out, gone)
			require.Contains(t, out, other)
			require.Contains(t, out, "-- dry run: would drop")
			require.True(t, exists(gone) && exists(other), "a dry run drops nothing")

			_, errs, code = cli("--database", db.Name)
			require.Equal(t, 1, code)
			require.Contains(t, errs, "exists: its plugin identities are in use, not orphaned")

			out, errs, code = cli("--database", goneDB)
			require.Equal(t, 0, code, errs)
			require.Contains(t, out, gone)
			require.NotContains(t, out, other)
			require.False(t, exists(gone), "the named database's identity is dropped")
			require.True(t, exists(other), "another database's is left")
		})
	}
}
