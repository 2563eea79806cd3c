package roles_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/roles"
	"github.com/plugmig/plugmig/internal/testdb"
)

// recorder is the migrator's connection, keeping every statement it sends
// (what a server's general or audit log would keep).
type recorder struct {
	*sql.DB
	sent []string
}

func (r *recorder) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	r.sent = append(r.sent, q)
	return r.DB.ExecContext(ctx, q, args...)
}

func (r *recorder) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	r.sent = append(r.sent, q)
	return r.DB.QueryContext(ctx, q, args...)
}

func (r *recorder) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	r.sent = append(r.sent, q)
	return r.DB.QueryRowContext(ctx, q, args...)
}

// TestMyAccountLockedAndHashed: a plugin's account logs in with the run's
// password, which no statement carries in clear text; once MyLock ran the
// session keeps working, and no new login is possible — the account is
// locked with a password no one knows — until the next MyAccount.
func TestMyAccountLockedAndHashed(t *testing.T) {
	ctx := context.Background()
	db := testdb.MySQL(t)
	rec := &recorder{DB: db.DB}
	user := roles.Name(db.Name, "image")
	t.Cleanup(func() { roles.MyDropAll(context.Background(), db.DB, db.Name) })
	a, err := roles.MyAccount(ctx, rec, user)
	require.NoError(t, err)
	require.NoError(t, roles.MyLock(ctx, rec, a) /* as a killed run's would be */)
	a, err = roles.MyAccount(ctx, rec, user)
	require.NoError(t, err)
	login := func() (*sql.DB, error) {
		cfg, err := mysql.ParseDSN(testdb.MySQLAdmin)
		require.NoError(t, err)
		cfg.User, cfg.Passwd, cfg.DBName = a.User, a.Password(), ""
		p, err := sql.Open("mysql", cfg.FormatDSN())
		require.NoError(t, err)
		p.SetMaxOpenConns(1)
		return p, p.PingContext(ctx)
	}
	session, err := login()
	require.NoError(t, err, "the run's login")
	defer session.Close()
	require.NoError(t, roles.MyLock(ctx, rec, a))
	var one int
	require.NoError(t, session.QueryRowContext(ctx, "SELECT 1").Scan(&one), "the session logged in keeps working")
	again, err := login()
	again.Close()
	require.Error(t, err, "no login once locked, even with the run's password")
	var create string
	require.NoError(t, db.DB.QueryRowContext(ctx, "SHOW CREATE USER "+a.String()).Scan(&create))
	require.Contains(t, create, "ACCOUNT LOCK")
	for _, s := range rec.sent {
		require.NotContains(t, s, a.Password(), "a password in clear text")
	}
	require.True(t, len(rec.sent) > 3)
}
