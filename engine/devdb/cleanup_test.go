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

// TestSweepStale: a run drops the scratch databases of earlier, killed
// runs — older than StaleAfter and with no connection — and never one that
// is recent, connected to, or not named by this version (issue 11, item 11).
// Other runs may sweep the same servers concurrently; the assertions hold
// whoever sweeps.
func TestSweepStale(t *testing.T) {
	for _, d := range []string{"postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			adminDSN, dbDSN := serverDSNs(t, d)
			admin := openServer(t, d, adminDSN)
			ctx := context.Background()
			old := time.Now().Add(-StaleAfter - time.Hour)
			var (
				abandoned = scratchName(old)
				connected = scratchName(old)
				recent    = scratchName(time.Now().Add(-time.Minute))
				legacy    = fmt.Sprintf("plugmig_dev_%012x", time.Now().UnixNano()&0xffffffffffff)
			)
			for _, n := range []string{abandoned, connected, recent, legacy} {
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
			// Another test process's sweep may drop the old-named database
			// between its creation and this connection: create it again
			// until connected (from then on no sweep may drop it).
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

			dropped, err := SweepStale(ctx, d, admin, StaleAfter)
			require.NoError(t, err)
			require.NotContains(t, dropped, connected)
			require.NotContains(t, dropped, recent)
			require.NotContains(t, dropped, legacy)
			for _, n := range dropped {
				created, ok := scratchCreated(n)
				require.True(t, ok, n)
				require.Greater(t, time.Since(created), StaleAfter, n)
			}
			require.False(t, exists(t, d, admin, abandoned), "the abandoned database is gone (dropped by this sweep or a concurrent one)")
			require.True(t, slices.Contains(dropped, abandoned) || !exists(t, d, admin, abandoned))
			require.True(t, exists(t, d, admin, connected), "a database in use is never dropped")
			require.True(t, exists(t, d, admin, recent), "a recent database is never dropped")
			require.True(t, exists(t, d, admin, legacy), "a database whose age is unknown is never dropped")
		})
	}
}
