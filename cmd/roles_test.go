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
			require.Regexp(t, `-- dropped (\d+) of \d+ orphaned plugin identities \(the statements above ran\)`, stdout.String())
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
