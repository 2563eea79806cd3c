package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"ariga.io/atlas/sql/migrate"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/internal/testdb"
)

// plugmigProcess returns a command that runs this test binary as plugmig.
func plugmigProcess(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), "PLUGMIG_TEST_AS_CLI=1")
	return cmd
}

type historyRow struct {
	branch, version string
	applied, total  int
	err             string
}

func readHistory(t *testing.T, db *testdb.DB) []historyRow {
	t.Helper()
	rows, err := db.DB.Query("SELECT branch, version, applied, total, COALESCE(error, '') FROM plugmig_history ORDER BY branch, version")
	require.NoError(t, err)
	defer rows.Close()
	var out []historyRow
	for rows.Next() {
		var r historyRow
		require.NoError(t, rows.Scan(&r.branch, &r.version, &r.applied, &r.total, &r.err))
		out = append(out, r)
	}
	return out
}

// TestConcurrentApply starts 8 apply processes at once on one fresh
// database: every file is applied exactly once and every process exits 0.
func TestConcurrentApply(t *testing.T) {
	t.Parallel()
	for _, d := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			db := testdb.Open(t, d)
			ctx := context.Background()
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				applied int
				failed  []string
			)
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					cmd := plugmigProcess(ctx, "apply", "--url", db.URL, "--lock-timeout", "2m")
					var stderr bytes.Buffer
					cmd.Stderr = &stderr
					err := cmd.Run()
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						failed = append(failed, err.Error()+": "+stderr.String())
					}
					applied += countShipped(t, d, stderr.String())
				}()
			}
			wg.Wait()
			require.Empty(t, failed)
			files, _ := shipped(t, d)
			require.Equal(t, files, applied, "each of the %d shipped files applied by exactly one process", files)
			rows := readHistory(t, db)
			require.Len(t, rows, files)
			for _, r := range rows {
				require.Equal(t, r.total, r.applied, "%+v", r)
				require.Empty(t, r.err)
			}
			var n int
			require.NoError(t, db.DB.QueryRow("SELECT count(*) FROM core__privileges WHERE privilege_name = 'featurer'").Scan(&n))
			require.Equal(t, 1, n, "the seed row inserted once")
		})
	}
}

// TestKilledApply kills an apply process with SIGKILL in the middle of a
// slow file: the history holds no torn revision, and a rerun completes.
func TestKilledApply(t *testing.T) {
	t.Parallel()
	slow := map[string]string{
		"sqlite":   "CREATE TABLE core__slow AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 12000000) SELECT max(x) AS x FROM c;\n",
		"postgres": "CREATE TABLE core__slow AS SELECT 1 AS x FROM pg_sleep(3);\n",
		"mysql":    "SELECT SLEEP(3);\nCREATE TABLE core__slow (x int);\n",
	}
	for _, d := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			sc := newSlowCore(t, d, slow[d])
			db, args, ctx := sc.db, sc.args, context.Background()
			cmd, stderr := sc.startInSlowFile(t)
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			cmd.Wait()
			require.NotContains(t, stderr.String(), "29990101000000_slow.sql", "killed before the slow file finished")

			for _, r := range readHistory(t, db) {
				if r.version == "29990101000000" {
					require.Less(t, r.applied, r.total, "a killed file is never recorded as applied: %+v", r)
				} else {
					require.Equal(t, r.total, r.applied, "%+v", r)
				}
			}

			out, err := plugmigProcess(ctx, args...).CombinedOutput()
			require.NoError(t, err, "%s", out)
			require.Contains(t, string(out), "29990101000000_slow.sql")
			rows := readHistory(t, db)
			files, _ := shipped(t, d)
			require.Len(t, rows, files+1, "the shipped files and the slow one")
			for _, r := range rows {
				require.Equal(t, r.total, r.applied, "%+v", r)
			}
		})
	}
}

// slowCore is a fresh test database and a copy of the migration folders
// whose core branch ends with a slow file of the dialect; args apply them.
type slowCore struct {
	db     *testdb.DB
	folder string
	args   []string
}

func newSlowCore(t *testing.T, dialect, body string) *slowCore {
	t.Helper()
	db, root := testdb.Open(t, dialect), testdb.CopyRoot(t)
	sc := &slowCore{db: db, folder: filepath.Join(root, "migrations", dialect), args: []string{"apply", "--url", db.URL, "--root", root, "--from-root"}}
	sc.write(t, body)
	return sc
}

// write sets the slow file's text and rehashes the folder.
func (sc *slowCore) write(t *testing.T, body string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(sc.folder, "29990101000000_slow.sql"), []byte(body), 0o644))
	dir, err := migrate.NewLocalDir(sc.folder)
	require.NoError(t, err)
	require.NoError(t, migdir.Rehash(dir))
}

// startInSlowFile starts an apply process and returns once it is running
// the slow file (core's first file applied, then a moment).
func (sc *slowCore) startInSlowFile(t *testing.T) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := plugmigProcess(context.Background(), sc.args...)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), "20261123205308_initial.sql") {
		require.True(t, time.Now().Before(deadline), "apply did not reach the slow file: %s", stderr.String())
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(700 * time.Millisecond)
	return cmd, stderr
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestInterruptedApply sends SIGINT to apply in the middle of a slow file
// on SQLite and PostgreSQL: the running statement is cancelled (the
// process ends within seconds, not when the statement would have), its
// file rolled back and not recorded as failed, the process exits 130
// saying what to do; a rerun completes.
func TestInterruptedApply(t *testing.T) {
	t.Parallel()
	slow := map[string]string{
		"sqlite":   "CREATE TABLE core__slow AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 200000000) SELECT max(x) AS x FROM c;\n",
		"postgres": "CREATE TABLE core__slow AS SELECT 1 AS x FROM pg_sleep(60);\n",
	}
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			sc := newSlowCore(t, d, slow[d])
			db, args := sc.db, sc.args
			cmd, stderr := sc.startInSlowFile(t)
			sent := time.Now()
			require.NoError(t, cmd.Process.Signal(os.Interrupt))
			err := cmd.Wait()
			took := time.Since(sent)
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit)
			require.Equal(t, 130, exit.ExitCode(), stderr.String())
			require.Less(t, took, 15*time.Second, "the running statement was cancelled, not waited for")
			require.Contains(t, stderr.String(), "interrupted (interrupt)")
			require.Contains(t, stderr.String(), "run apply again to continue")
			require.Contains(t, stderr.String(), "cancelled while running the statement at line 1")
			require.NotContains(t, stderr.String(), "fix the statement", "an interruption is no fault of the file")
			for _, r := range readHistory(t, db) {
				require.NotEqual(t, "29990101000000", r.version, "the interrupted file is not recorded: %+v", r)
			}
			if d == "postgres" {
				// Cancelled, the server process ends the statement within
				// moments of the client's exit; not cancelled, it would sleep
				// on for a minute.
				require.Eventually(t, func() bool {
					var running int
					require.NoError(t, db.DB.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()").Scan(&running))
					return running == 0
				}, 5*time.Second, 50*time.Millisecond, "the statement was cancelled on the server")
			}
			// The rerun continues where it stopped (the file made quick,
			// which only a file never applied may be).
			sc.write(t, "CREATE TABLE core__slow (x integer);\n")
			out, err := plugmigProcess(context.Background(), args...).CombinedOutput()
			require.NoError(t, err, "%s", out)
			found := false
			for _, r := range readHistory(t, db) {
				found = found || (r.version == "29990101000000" && r.applied == r.total && r.err == "")
			}
			require.True(t, found, "the rerun applied the file")
		})
	}
}
