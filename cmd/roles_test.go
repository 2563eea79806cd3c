package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

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
			require.Regexp(t, `-- dropped (\d+) of \d+: \d+ orphaned plugin identit(y|ies) and \d+ killed run leftovers? \(the statements above ran\)`, stdout.String())
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

// TestRolesDropOrphanedListsKilledRuns (issue 21, item 4): what a killed
// run left — a scratch database with its login and a plugin identity, and
// a scratch login whose database is already gone with its identity — is
// listed whole by --dry-run (each statement once) and left in place; the
// run without --dry-run drops exactly the statements the dry run listed.
// On MariaDB the dry run listed neither the login nor the identities: the
// sweep every command starts dropped them behind its back. Not parallel:
// TestRolesDropOrphaned drops every leftover on the server.
func TestRolesDropOrphanedListsKilledRuns(t *testing.T) {
	for _, d := range []string{"postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			db := testdb.Open(t, d)
			killed := time.Now().Add(-10 * time.Minute)
			scratch := fmt.Sprintf("plugmig_dev_%d_%d_%s", killed.Unix(), 1, strings.ToLower(roles.Password()[:6]))
			lonely := fmt.Sprintf("plugmig_dev_%d_%d_%s", killed.Unix(), 1, strings.ToLower(roles.Password()[:6]))
			names := []string{
				"plugmig_dl_" + roles.DatabaseTag(scratch), roles.Name(scratch, "ghost"),
				"plugmig_dl_" + roles.DatabaseTag(lonely), roles.Name(lonely, "ghost"),
			}
			q := func(s string) string {
				if d == "mysql" {
					return "`" + s + "`"
				}
				return `"` + s + `"`
			}
			create, drop := "CREATE ROLE %s", "DROP ROLE IF EXISTS %s"
			if d == "mysql" {
				create, drop = "CREATE USER '%s'@'%'", "DROP USER IF EXISTS '%s'@'%'"
			}
			setup := func() {
				db.DB.Exec("CREATE DATABASE " + q(scratch)) // may exist still
				for _, n := range names {
					db.DB.Exec(strings.ReplaceAll(create, "%s", n))
				}
			}
			t.Cleanup(func() {
				db.DB.Exec("DROP DATABASE IF EXISTS " + q(scratch))
				for _, n := range names {
					db.DB.Exec(strings.ReplaceAll(drop, "%s", n))
				}
			})
			exists := func(n string) bool {
				query := "SELECT count(*) FROM pg_roles WHERE rolname = $1"
				if d == "mysql" {
					query = "SELECT count(*) FROM mysql.user WHERE User = ?"
				}
				var got int
				require.NoError(t, db.DB.QueryRow(query, n).Scan(&got))
				return got > 0
			}
			dbExists := func() bool {
				query := "SELECT count(*) FROM pg_database WHERE datname = $1"
				if d == "mysql" {
					query = "SELECT count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?"
				}
				var got int
				require.NoError(t, db.DB.QueryRow(query, scratch).Scan(&got))
				return got > 0
			}
			cli := func(args ...string) string {
				var stdout, stderr bytes.Buffer
				code := run(append([]string{"roles", "--drop-orphaned", "--root", testdb.Root(t), "--url", db.URL}, args...), &stdout, &stderr)
				require.Equal(t, 0, code, stderr.String())
				return stdout.String()
			}
			// A sweep of another process on this server may drop them
			// first (they are abandoned): set them up again, a few times.
			var out string
			for try := 0; ; try++ {
				setup()
				out = cli("--dry-run")
				all := dbExists()
				for _, n := range names {
					all = all && exists(n)
				}
				if all {
					break
				}
				require.Less(t, try, 5, "another process keeps sweeping the leftovers first")
			}
			require.Contains(t, out, "-- scratch database "+scratch+" of a killed run")
			require.Contains(t, out, "-- scratch login plugmig_dl_"+roles.DatabaseTag(lonely)+" of a killed run")
			require.Equal(t, 1, strings.Count(out, "DROP DATABASE IF EXISTS "+q(scratch)+";"), out)
			for _, n := range names {
				n := map[bool]string{true: "'" + n + "'", false: `"` + n + `"`}[d == "mysql"]
				require.Equal(t, 1, strings.Count(out, "IF EXISTS "+n), "%s is dropped once:\n%s", n, out)
			}
			require.Contains(t, out, "-- dry run: would drop")

			dropped := cli()
			for _, n := range names {
				require.False(t, exists(n), "%s is dropped", n)
			}
			require.False(t, dbExists(), "the scratch database is dropped")
			// What ran was listed by the dry run (a sweep of another process
			// may have dropped some of it in between, so not the converse).
			for _, line := range strings.Split(dropped, "\n") {
				if strings.HasPrefix(line, "DROP ") && (strings.Contains(line, scratch) || slices.ContainsFunc(names, func(n string) bool { return strings.Contains(line, n) })) {
					require.Contains(t, out, line, "what ran was listed by the dry run")
				}
			}
		})
	}
}

// TestRolesDropOrphanedNamesRecentLeftovers: a scratch database and its
// login younger than devdb.Grace (a run killed a minute ago, or one still
// running) are not dropped, and not passed over in silence either: both
// the dry run and the run name them and say when they can be judged. The
// dry run and the run count what they drop in the same words.
func TestRolesDropOrphanedNamesRecentLeftovers(t *testing.T) {
	for _, d := range []string{"postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			db := testdb.Open(t, d)
			scratch := fmt.Sprintf("plugmig_dev_%d_%d_%s", time.Now().Unix(), 1, strings.ToLower(roles.Password()[:6]))
			login := "plugmig_dl_" + roles.DatabaseTag(scratch)
			orphan := roles.Name("plugmig_gone_"+strings.ToLower(roles.Password()[:8]), "ghost")
			q, create, drop := `"`+scratch+`"`, "CREATE ROLE %s", "DROP ROLE IF EXISTS %s"
			if d == "mysql" {
				q, create, drop = "`"+scratch+"`", "CREATE USER '%s'@'%%'", "DROP USER IF EXISTS '%s'@'%%'"
			}
			_, err := db.DB.Exec("CREATE DATABASE " + q)
			require.NoError(t, err)
			t.Cleanup(func() { db.DB.Exec("DROP DATABASE IF EXISTS " + q) })
			for _, n := range []string{login, orphan} {
				_, err := db.DB.Exec(strings.ReplaceAll(create, "%s", n))
				require.NoError(t, err)
				t.Cleanup(func() { db.DB.Exec(strings.ReplaceAll(drop, "%s", n)) })
			}
			cli := func(args ...string) string {
				var stdout, stderr bytes.Buffer
				code := run(append([]string{"roles", "--drop-orphaned", "--root", testdb.Root(t), "--url", db.URL}, args...), &stdout, &stderr)
				require.Equal(t, 0, code, stderr.String())
				return stdout.String()
			}
			recent := "-- left alone: scratch database " + scratch + " and its login " + login + ", created less than 2m0s ago, too recent to judge"
			tally := `\d+ orphaned plugin identit(y|ies) and \d+ killed run leftovers?`
			dry := cli("--dry-run")
			require.Contains(t, dry, recent)
			require.Contains(t, dry, "run roles --drop-orphaned again then")
			require.NotContains(t, dry, "no killed run left anything")
			require.Regexp(t, `-- dry run: would drop \d+: `+tally+`; nothing was dropped`, dry)

			out := cli()
			require.Contains(t, out, recent)
			require.Regexp(t, `-- dropped \d+ of \d+: `+tally+` \(the statements above ran\)`, out)
			var n int
			query := "SELECT count(*) FROM pg_database WHERE datname = $1"
			if d == "mysql" {
				query = "SELECT count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?"
			}
			require.NoError(t, db.DB.QueryRow(query, scratch).Scan(&n))
			require.Equal(t, 1, n, "a scratch database too recent to judge is left")
		})
	}
}
