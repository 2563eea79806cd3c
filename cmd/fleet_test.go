package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/internal/testdb"
)

// TestFleetApply migrates a mixed fleet — SQLite files, PostgreSQL and
// MariaDB databases — in one run, with four bad targets among them: an
// unreachable server (with a password in its URL), a PostgreSQL database
// and a SQLite file whose migration lock another run holds, and a SQLite
// file where core's migration fails. Every good target is migrated, every
// bad one is reported and left as it was, the exit code is 1 and the
// password is never printed. status --targets then agrees.
func TestFleetApply(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var good []*testdb.DB
	lines := []string{"# a mixed fleet"}
	for i := range 3 {
		db := testdb.SQLite(t)
		good = append(good, db)
		lines = append(lines, fmt.Sprintf("lite%d=%s", i, db.URL))
	}
	for i := range 2 {
		db := testdb.Postgres(t)
		good = append(good, db)
		lines = append(lines, fmt.Sprintf("pg%d=%s", i, db.URL))
	}
	maria := testdb.MySQL(t)
	good = append(good, maria)
	lines = append(lines, "maria="+maria.URL)

	// A PostgreSQL database whose lock another run holds.
	pgLocked := testdb.Postgres(t)
	conn, err := pgLocked.DB.Conn(context.Background())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(context.Background(), "CREATE TABLE IF NOT EXISTS "+apply.LockTable+" ()")
	require.NoError(t, err)
	_, err = conn.ExecContext(context.Background(), "BEGIN; LOCK TABLE "+apply.LockTable+" IN EXCLUSIVE MODE")
	require.NoError(t, err)
	// A SQLite file whose lock another run holds.
	liteLocked := testdb.SQLite(t)
	lockPath, err := apply.SQLiteLockPath(liteLocked.Name)
	require.NoError(t, err)
	lockFile, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o644)
	require.NoError(t, err)
	defer lockFile.Close()
	require.NoError(t, syscall.Flock(int(lockFile.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
	// A SQLite file where core's first file fails at an index it creates.
	liteFailing := testdb.SQLite(t)
	_, err = liteFailing.DB.Exec("CREATE TABLE other (x int); CREATE INDEX core__activities_public_id_key ON other (x)")
	require.NoError(t, err)

	lines = append(lines,
		"down=postgres://fleet:s3cret@127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=2",
		"pglocked="+pgLocked.URL,
		"litelocked="+liteLocked.URL,
		"failing="+liteFailing.URL,
	)
	targets := filepath.Join(dir, "targets")
	require.NoError(t, os.WriteFile(targets, []byte(strings.Join(lines, "\n")+"\n"), 0o644))

	var stdout, stderr bytes.Buffer
	code := run([]string{"apply", "--root", testdb.Root(t), "--targets", targets, "--parallel", "4", "--lock-timeout", "300ms"}, &stdout, &stderr)
	require.Equal(t, 1, code, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
	out := stdout.String() + stderr.String()
	require.NotContains(t, out, "s3cret")
	require.Contains(t, out, "fleet:xxxxx@127.0.0.1:1")
	require.Contains(t, stderr.String(), "4 of 10 target(s) failed")
	require.Contains(t, stdout.String(), "10 target(s) in ")
	for _, name := range []string{"lite0", "lite1", "lite2", "pg0", "pg1", "maria"} {
		require.Regexp(t, `(?m)^`+name+` +\w+ +applied +core - -> \d{14} \(1\), `+firstPlugin(t), stdout.String())
	}
	for _, name := range []string{"down", "pglocked", "litelocked", "failing"} {
		require.Regexp(t, `(?m)^`+name+` +\w+ +failed +- +[0-9.]+m?s +\S`, stdout.String())
	}
	require.Regexp(t, `(?m)^pglocked .*lock timeout`, stdout.String())
	require.Regexp(t, `(?m)^litelocked .*lock timeout`, stdout.String())
	require.Contains(t, stderr.String(), "core__activities_public_id_key")
	for _, db := range good {
		rows := readHistory(t, db)
		files, _ := shipped(t, db.Dialect)
		require.Len(t, rows, files, "%s: every branch applied", db.Dialect)
		for _, r := range rows {
			require.Equal(t, r.total, r.applied, "%+v", r)
		}
	}
	for _, db := range []*testdb.DB{pgLocked, liteLocked, liteFailing} {
		tables, err := testdb.Rows(db.DB, map[string]string{
			"sqlite":   "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'core%'",
			"postgres": "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'core%'",
		}[db.Dialect])
		require.NoError(t, err)
		require.Empty(t, tables, "%s: a failed target is left as it was", db.Name)
	}

	// status --targets: the good ones are up to date, JSON says the same.
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"status", "--root", testdb.Root(t), "--targets", targets, "--json", "--lock-timeout", "300ms"}, &stdout, &stderr)
	require.Equal(t, 1, code)
	var st fleetJSON
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &st), stdout.String())
	require.Len(t, st.Targets, 10)
	require.Equal(t, 6, st.Summary["up_to_date"])
	require.Equal(t, 4, st.Summary["pending"]+st.Summary["failed"])
	require.Equal(t, "down", st.Targets[6].Name)
	require.Equal(t, "failed", st.Targets[6].Result)
	require.NotContains(t, stdout.String()+stderr.String(), "s3cret")
}

// TestFleetFailFast stops starting targets after the first failure.
func TestFleetFailFast(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	list := "down=postgres://u:pw@127.0.0.1:1/x?sslmode=disable\n"
	for i := range 3 {
		list += fmt.Sprintf("lite%d=sqlite://%s/%d.db\n", i, dir, i)
	}
	targets := filepath.Join(dir, "targets")
	require.NoError(t, os.WriteFile(targets, []byte(list), 0o644))
	var stdout, stderr bytes.Buffer
	code := run([]string{"apply", "--root", testdb.Root(t), "--targets", targets, "--parallel", "1", "--fail-fast", "--json"}, &stdout, &stderr)
	require.Equal(t, 1, code, "%s", &stderr)
	var out fleetJSON
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &out), stdout.String())
	require.Equal(t, map[string]int{"targets": 4, "failed": 1, "not_started": 3}, out.Summary)
	for i := range 3 {
		_, err := os.Stat(filepath.Join(dir, fmt.Sprintf("%d.db", i)))
		require.True(t, os.IsNotExist(err), "target %d was not touched", i)
	}
}

// TestFleetDrift: drift --targets checks every target; a database changed
// outside its migrations is reported as drifting, the others not, and the
// exit code is 1.
func TestFleetDrift(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clean, changed := testdb.SQLite(t), testdb.SQLite(t)
	targets := filepath.Join(dir, "targets")
	require.NoError(t, os.WriteFile(targets, []byte("clean="+clean.URL+"\nchanged="+changed.URL+"\n"), 0o644))
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"apply", "--root", testdb.Root(t), "--targets", targets}, &stdout, &stderr), "%s", &stderr)
	_, err := changed.DB.Exec("ALTER TABLE core__users ADD COLUMN nickname text")
	require.NoError(t, err)

	stdout.Reset()
	stderr.Reset()
	code := run([]string{"drift", "--root", testdb.Root(t), "--targets", targets}, &stdout, &stderr)
	require.Equal(t, 1, code, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
	require.Regexp(t, `(?m)^clean +sqlite +no drift +every branch as its migrations say`, stdout.String())
	require.Regexp(t, `(?m)^changed +sqlite +drift +core at \d{14}: DRIFT: 1 difference\(s\)`, stdout.String())
	require.Contains(t, stdout.String(), "1 no drift, 1 drift")

	stdout.Reset()
	code = run([]string{"drift", "--root", testdb.Root(t), "--targets", targets, "--json"}, &stdout, &stderr)
	require.Equal(t, 1, code)
	var out fleetJSON
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &out), stdout.String())
	require.Equal(t, map[string]int{"targets": 2, "no_drift": 1, "drift": 1}, out.Summary)
}
