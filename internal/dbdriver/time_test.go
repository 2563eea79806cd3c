package dbdriver_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/internal/dbdriver"
)

// TestSQLiteTimesReadBySQLite: a time.Time the application writes through
// Open (ent does) is stored as SQLite's date functions read it, not as
// Go's time.Time.String with its monotonic clock ("... +0000 UTC
// m=+0.014"), which datetime() turns into NULL; and it reads back equal.
func TestSQLiteTimesReadBySQLite(t *testing.T) {
	ctx := context.Background()
	_, db, err := dbdriver.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "t.db")+"?mode=rwc")
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec("CREATE TABLE t (created datetime NOT NULL)")
	require.NoError(t, err)
	now := time.Now() // with a monotonic clock reading
	_, err = db.Exec("INSERT INTO t VALUES (?)", now)
	require.NoError(t, err)
	var stored string
	var parsed sql.NullString
	require.NoError(t, db.QueryRow("SELECT CAST(created AS TEXT), datetime(created) FROM t").Scan(&stored, &parsed))
	require.NotContains(t, stored, "m=")
	require.True(t, parsed.Valid, "datetime(%q) is NULL", stored)
	require.Equal(t, now.UTC().Format(time.DateTime), parsed.String)
	var back time.Time
	require.NoError(t, db.QueryRow("SELECT created FROM t").Scan(&back))
	require.True(t, back.Equal(now), "%v read back as %v", now, back)
}
