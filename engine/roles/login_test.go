package roles_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/roles"
	"github.com/plugmig/plugmig/internal/testdb"
)

// TestScramVerifierMatchesPostgreSQL: the verifier PGLogin sends is the one
// PostgreSQL itself stores for the same password and salt, so the password
// logs in while only the verifier crosses the wire.
func TestScramVerifierMatchesPostgreSQL(t *testing.T) {
	db := testdb.Postgres(t)
	role := "t_scram_" + roles.Password()[:8]
	_, err := db.DB.Exec("SET password_encryption = 'scram-sha-256'; CREATE ROLE " + role + " LOGIN PASSWORD 'correct horse'")
	require.NoError(t, err)
	t.Cleanup(func() { db.DB.Exec("DROP ROLE IF EXISTS " + role) })
	var stored string
	require.NoError(t, db.DB.QueryRow("SELECT rolpassword FROM pg_authid WHERE rolname = $1", role).Scan(&stored))
	// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
	head, _, _ := strings.Cut(strings.TrimPrefix(stored, "SCRAM-SHA-256$"), "$")
	iter, salt64, _ := strings.Cut(head, ":")
	n, err := strconv.Atoi(iter)
	require.NoError(t, err)
	salt, err := base64.StdEncoding.DecodeString(salt64)
	require.NoError(t, err)
	got, err := roles.ScramVerifier("correct horse", salt, n)
	require.NoError(t, err)
	require.Equal(t, stored, got)
	other, err := roles.ScramVerifier("wrong horse", salt, n)
	require.NoError(t, err)
	require.NotEqual(t, stored, other)
}

// TestPGLoginAsTheRoleItself: a member of a plugin's role without
// CREATEROLE sets and removes the role's password, and the pooled session
// it used is not left in the role.
func TestPGLoginAsTheRoleItself(t *testing.T) {
	ctx := context.Background()
	db := testdb.Postgres(t)
	role := roles.Name(db.Name, "image")
	migrator := "t_mig_" + roles.Password()[:8]
	for _, s := range []string{
		"CREATE ROLE " + role + " LOGIN",
		"CREATE ROLE " + migrator + " LOGIN NOCREATEROLE",
		"GRANT " + role + " TO " + migrator,
	} {
		_, err := db.DB.Exec(s)
		require.NoError(t, err, s)
	}
	t.Cleanup(func() { db.DB.Exec("DROP ROLE IF EXISTS " + migrator) })
	c, err := db.DB.Conn(ctx)
	require.NoError(t, err)
	defer func() {
		// Back to the pool as the superuser it was, or the cleanup's DROP
		// ROLE could run on it as the migrator and fail (leaving the role).
		c.ExecContext(ctx, "RESET SESSION AUTHORIZATION")
		c.Close()
	}()
	_, err = c.ExecContext(ctx, "SET SESSION AUTHORIZATION "+migrator)
	require.NoError(t, err)
	password, err := roles.PGLogin(ctx, c, db.Name, "image")
	require.NoError(t, err)
	require.Len(t, password, 32)
	var verifier, current string
	require.NoError(t, db.DB.QueryRow("SELECT coalesce(rolpassword, '') FROM pg_authid WHERE rolname = $1", role).Scan(&verifier))
	require.True(t, strings.HasPrefix(verifier, "SCRAM-SHA-256$128:"), verifier)
	require.NotContains(t, verifier, password)
	require.NoError(t, c.QueryRowContext(ctx, "SELECT current_user").Scan(&current))
	require.Equal(t, migrator, current, "the session is back in its own role")

	require.NoError(t, roles.PGLogout(ctx, c, db.Name, "image"))
	require.NoError(t, db.DB.QueryRow("SELECT coalesce(rolpassword, '') FROM pg_authid WHERE rolname = $1", role).Scan(&verifier))
	require.Empty(t, verifier)
}

// TestPGWarmOnlyWhereGranted: a plugin session opened before its role may
// write the history (on a new database, while core's files run) plans
// nothing, so no refused statement lands in the server's log on every
// run; once granted, it plans the history insert.
func TestPGWarmOnlyWhereGranted(t *testing.T) {
	ctx := context.Background()
	db := testdb.Postgres(t)
	role := roles.Name(db.Name, "image")
	_, err := db.DB.Exec("CREATE ROLE " + role + " LOGIN; CREATE TABLE plugmig_history (branch text, version text)")
	require.NoError(t, err)
	session, err := sql.Open("pgx", strings.Replace(db.URL, "//postgres@", "//"+role+"@", 1))
	require.NoError(t, err)
	defer session.Close()
	require.NoError(t, roles.PGWarm(ctx, session, []string{"public"}), "nothing refused: no privilege, no statement")
	_, err = db.DB.Exec("GRANT INSERT ON plugmig_history TO " + role)
	require.NoError(t, err)
	require.NoError(t, roles.PGWarm(ctx, session, []string{"public"}))
	var user string
	require.NoError(t, session.QueryRow("SELECT current_user").Scan(&user))
	require.Equal(t, role, user, "the session is the plugin's own")
}
