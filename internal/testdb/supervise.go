package testdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/plugmig/plugmig/engine/roles"
)

// supervisorEnv marks the child process Supervise starts; its value is the
// supervisor's process id, so a test binary that a test starts in turn
// (another package's go test, in a copy of the repository) supervises its
// own children.
const supervisorEnv = "PLUGMIG_TESTDB_SUPERVISOR"

// Supervise runs the test binary again as a child process with the same
// arguments and, once the child has exited — passed, failed, panicked or
// timed out — drops the databases, roles and accounts its tests created on
// the servers and left behind. A panicking test ends the whole binary before
// the cleanups of the tests running beside it, and those used to stay on the
// servers. It returns the child's exit code and true; in the child itself it
// returns false and the caller goes on to run the tests.
func Supervise() (code int, supervised bool) {
	if os.Getenv(supervisorEnv) == strconv.Itoa(os.Getppid()) {
		return 0, false
	}
	cmd := exec.Command(os.Args[0], os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), supervisorEnv+"="+strconv.Itoa(os.Getpid()))
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "testdb: start the tests in a child process: %v\n", err)
		return 2, true
	}
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s) // the child decides; its databases are dropped below
		}
	}()
	err := cmd.Wait()
	code = cmd.ProcessState.ExitCode()
	if code < 0 || err != nil && code == 0 {
		code = 1 // killed by a signal
	}
	if left := DropLeftBy(context.Background(), cmd.Process.Pid); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "testdb: dropped what the tests of process %d left on the servers (a test that panicked or was killed): %v\n", cmd.Process.Pid, left)
	}
	return code, true
}

// DropLeftBy drops every test database (dbName) and scratch database
// (package devdb) that process pid created on the local servers, with the
// roles and accounts named after them, and returns their names. An
// unreachable server is skipped.
func DropLeftBy(ctx context.Context, pid int) []string {
	var dropped []string
	for _, s := range []struct{ driver, dsn, list, drop string }{
		{"postgres", PostgresAdmin, `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname LIKE $2`, " WITH (FORCE)"},
		{"mysql", MySQLAdmin, `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? OR SCHEMA_NAME LIKE ?`, ""},
	} {
		names, err := dropLeft(ctx, s.driver, s.dsn, s.list, s.drop, pid)
		if err != nil {
			fmt.Fprintf(os.Stderr, "testdb: drop what process %d left on %s: %v\n", pid, s.driver, err)
		}
		dropped = append(dropped, names...)
	}
	return dropped
}

func dropLeft(ctx context.Context, driver, dsn, list, dropSuffix string, pid int) ([]string, error) {
	admin, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, nil
	}
	defer admin.Close()
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if admin.PingContext(pctx) != nil {
		return nil, nil // no server, nothing of it to drop
	}
	p := strconv.Itoa(pid)
	names, err := Strings(ctx, admin, list, `t\_`+p+`\_%`, `plugmig\_dev\_%\_`+p+`\_%`)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, n := range names {
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+n+dropSuffix); err != nil {
			errs = append(errs, err)
		}
		drop := roles.PGDropAll
		if driver == "mysql" {
			drop = roles.MyDropAll
		}
		if err := drop(ctx, admin, n); err != nil {
			errs = append(errs, err)
		}
	}
	return names, errors.Join(errs...)
}

// Strings runs a query of one text column and returns its values.
func Strings(ctx context.Context, db *sql.DB, query string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
