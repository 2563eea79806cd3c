package devdb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/roles"
)

func TestScratchNameCarriesItsAge(t *testing.T) {
	now := time.Unix(1790000000, 0)
	n := scratchName(now)
	require.Regexp(t, fmt.Sprintf(`^plugmig_dev_1790000000_%d_[0-9a-f]{6}$`, os.Getpid()), n)
	require.LessOrEqual(t, len(n), 63, "PostgreSQL and MySQL names are at most 63/64 characters")
	created, ok := scratchCreated(n)
	require.True(t, ok)
	require.Equal(t, now, created)
	for _, old := range []string{"plugmig_dev_0a1b2c3d4e5f", "plugmig_dev_x_1_aa", "t_test_1", "plugmig_dev_-5_1_aa"} {
		_, ok := scratchCreated(old)
		require.False(t, ok, old)
	}
}

// adminDSN is a connection to the local server of a dialect (driver DSN),
// and the DSN of one database on it.
func serverDSNs(t *testing.T, dialect string) (admin string, dbDSN func(name string) string) {
	t.Helper()
	env := func(k, def string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return def
	}
	switch dialect {
	case "postgres":
		a := env("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
		return a, func(n string) string { return strings.Replace(a, "/postgres?", "/"+n+"?", 1) }
	default:
		a := env("TEST_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/")
		return a, func(n string) string { return strings.TrimSuffix(a, "/") + "/" + n }
	}
}

func openServer(t *testing.T, dialect, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(dialect, dsn)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI=true: %v", dialect, err)
		}
		t.Skipf("SKIPPED: %s unreachable (%v)", dialect, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func exists(t *testing.T, dialect string, admin *sql.DB, name string) bool {
	t.Helper()
	q := "SELECT count(*) FROM pg_database WHERE datname = $1"
	if dialect == "mysql" {
		q = "SELECT count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?"
	}
	var n int
	require.NoError(t, admin.QueryRow(q, name).Scan(&n))
	return n > 0
}

// TestSweepAbandoned (issue 21, item 4): a run drops the scratch databases
// and scratch logins of earlier, killed runs — their creator's life lock
// free, nobody connected, older than Grace — minutes after, not hours; and
// never one whose creator lives, that is connected to, too young to judge,
// or not named by this version. Other runs may sweep the same servers
// concurrently; the assertions hold whoever sweeps.
func TestSweepAbandoned(t *testing.T) {
	for _, d := range []string{"postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			adminDSN, dbDSN := serverDSNs(t, d)
			admin := openServer(t, d, adminDSN)
			ctx := context.Background()
			killed := time.Now().Add(-5 * time.Minute) // a run killed minutes ago
			var (
				abandoned = scratchName(killed)
				alive     = scratchName(killed)
				connected = scratchName(killed)
				recent    = scratchName(time.Now().Add(-30 * time.Second))
				legacy    = fmt.Sprintf("plugmig_dev_%012x", time.Now().UnixNano()&0xffffffffffff)
				lonely    = "plugmig_dl_" + roles.DatabaseTag(scratchName(killed)) // its database already gone
			)
			// The creator of alive still runs: it holds the life lock.
			holder := &DB{Dialect: d, admin: admin, scratch: alive}
			require.NoError(t, holder.holdLife(ctx))
			t.Cleanup(holder.releaseLife)
			for _, n := range []string{abandoned, alive, connected, recent, legacy} {
				_, err := admin.Exec("CREATE DATABASE " + quoteName(d, n))
				require.NoError(t, err)
				t.Cleanup(func() {
					if d == "postgres" {
						admin.Exec("DROP DATABASE IF EXISTS " + quoteName(d, n) + " WITH (FORCE)")
						return
					}
					admin.Exec("DROP DATABASE IF EXISTS " + quoteName(d, n))
				})
			}
			logins := []string{"plugmig_dl_" + roles.DatabaseTag(abandoned), roles.Name(abandoned, "image"), lonely, roles.Name(alive, "image")}
			for _, l := range logins {
				create, drop := "CREATE ROLE "+l, "DROP ROLE IF EXISTS "+l
				if d == "mysql" {
					create, drop = "CREATE USER '"+l+"'@'%'", "DROP USER IF EXISTS '"+l+"'@'%'"
				}
				_, err := admin.Exec(create)
				require.NoError(t, err)
				t.Cleanup(func() { admin.Exec(drop) })
			}
			// Another sweep may drop the connected one before this
			// connection: create it again until connected.
			var conn *sql.Conn
			for try := 0; conn == nil; try++ {
				user, err := sql.Open(d, dbDSN(connected))
				require.NoError(t, err)
				t.Cleanup(func() { user.Close() })
				c, err := user.Conn(ctx)
				if err == nil {
					err = c.PingContext(ctx)
				}
				if err == nil {
					conn = c
					break
				}
				if c != nil {
					c.Close()
				}
				require.Less(t, try, 5, "connect to %s: %v", connected, err)
				_, err = admin.Exec("CREATE DATABASE " + quoteName(d, connected))
				require.NoError(t, err)
			}
			defer conn.Close()

			left, err := Abandoned(ctx, d, admin)
			require.NoError(t, err)
			for _, l := range left {
				require.NotContains(t, []string{alive, connected, recent, legacy}, l.Name, "listing is what a sweep would drop")
			}
			dropped, err := Sweep(ctx, d, admin)
			require.NoError(t, err)
			for _, n := range []string{alive, connected, recent, legacy} {
				require.NotContains(t, dropped, n)
				require.True(t, exists(t, d, admin, n), "%s is never dropped", n)
			}
			// A concurrent sweep of another process may be dropping them
			// still (a statement of this sweep then failed on its drop):
			// what is abandoned is gone once both are done.
			require.Eventually(t, func() bool { return !exists(t, d, admin, abandoned) }, 10*time.Second, 50*time.Millisecond,
				"the abandoned database is gone minutes after its run was killed (by this sweep or a concurrent one)")
			for _, l := range logins[:3] {
				require.Eventually(t, func() bool { return !loginExists(t, d, admin, l) }, 10*time.Second, 50*time.Millisecond, "%s is gone with it", l)
			}
			require.True(t, loginExists(t, d, admin, roles.Name(alive, "image")), "a live run's identities stay")
		})
	}
}

func loginExists(t *testing.T, dialect string, admin *sql.DB, name string) bool {
	t.Helper()
	q := "SELECT count(*) FROM pg_roles WHERE rolname = $1"
	if dialect == "mysql" {
		q = "SELECT count(*) FROM mysql.user WHERE User = ?"
	}
	var n int
	require.NoError(t, admin.QueryRow(q, name).Scan(&n))
	return n > 0
}

// TestSweepRacesSettle: two sweeps judging the same leftover both see it
// abandoned (a sweep's look at a life lock does not take it, so it never
// makes another sweep think the creator lives), and a leftover that came
// to own something after it was listed — a killed run's CREATE DATABASE
// committing late — is left with ErrInUse, not a failure; PostgreSQL.
func TestSweepRacesSettle(t *testing.T) {
	adminDSN, _ := serverDSNs(t, "postgres")
	admin := openServer(t, "postgres", adminDSN)
	ctx := context.Background()
	// A young name: once its database exists, no other sweep judges it
	// (a lonely login is judged at any age).
	scratch := scratchName(time.Now())
	login := "plugmig_dl_" + roles.DatabaseTag(scratch)
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS " + scratch + " WITH (FORCE)")
		admin.Exec("DROP ROLE IF EXISTS " + login)
	})
	judged := make(chan bool, 8)
	for range cap(judged) {
		go func() {
			gone, err := creatorGone(ctx, "postgres", admin, roles.DatabaseTag(scratch), "", login)
			judged <- err == nil && gone
		}()
	}
	for range cap(judged) {
		require.True(t, <-judged, "every concurrent look sees the creator gone")
	}
	// Another process's sweep may drop the login first (it is abandoned):
	// create it again, a few times.
	var l Leftover
	for try := 0; ; try++ {
		require.Less(t, try, 5, "another process keeps sweeping the login first")
		admin.Exec("CREATE ROLE " + login)
		left, err := Abandoned(ctx, "postgres", admin)
		require.NoError(t, err)
		i := slices.IndexFunc(left, func(l Leftover) bool { return l.Name == login })
		if i < 0 {
			continue
		}
		if _, err = admin.Exec("CREATE DATABASE " + scratch + " OWNER " + login); err == nil {
			l = left[i]
			break
		}
	}
	err := l.Drop(ctx, admin)
	require.ErrorIs(t, err, ErrInUse)
	require.True(t, loginExists(t, "postgres", admin, login), "what changed since the listing stays")
}
