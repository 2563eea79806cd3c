package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/internal/testdb"
)

// Versions the kill test adds to the image plugin: the second one adds
// columns and tables, so its down has several statements.
const (
	killDownV1 = "29990101000000"
	killDownV2 = "29990102000000"
)

var killDownFiles = map[string]string{
	killDownV1 + "_notes.sql": "CREATE TABLE image__notes (id integer NOT NULL, body varchar(20) NOT NULL, PRIMARY KEY (id));\n",
	killDownV2 + "_more.sql": "ALTER TABLE image__notes ADD COLUMN mood varchar(20) NULL;\n" +
		"ALTER TABLE image__notes ADD COLUMN stars integer NULL;\n" +
		"CREATE TABLE image__labels (id integer NOT NULL, note_id integer NOT NULL, PRIMARY KEY (id), CONSTRAINT image__labels_note FOREIGN KEY (note_id) REFERENCES image__notes (id));\n" +
		"CREATE TABLE image__stamps (id integer NOT NULL, PRIMARY KEY (id));\n" +
		"CREATE INDEX image__notes_mood ON image__notes (mood);\n",
}

// TestKillNineDown kills down with SIGKILL at a random moment: the branch
// is then at one version or the other, never between, on SQLite and
// PostgreSQL (one transaction); on MariaDB, whose DDL commits statement by
// statement, status names the down to run again, and that down finishes
// it. In every case the rerun leaves the branch at the target with drift
// clean, and apply brings it forward again. Every other run kills at a
// random moment, the others while the plan runs. Runs: PLUGMIG_KILL_RUNS
// (default 2, 1 with -short).
func TestKillNineDown(t *testing.T) {
	t.Parallel()
	runs := killRuns(t)
	if os.Getenv("PLUGMIG_KILL_RUNS") == "" {
		runs = min(runs, 2) // one random moment, one while the plan runs
	}
	for _, d := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			root := testdb.CopyRoot(t)
			for name, body := range killDownFiles {
				require.NoError(t, os.WriteFile(filepath.Join(root, "plugins", "image", "migrations", d, name), []byte(body), 0o644))
			}
			out, err := plugmigProcess(ctx, "hash", "--root", root).CombinedOutput()
			require.NoError(t, err, "%s", out)
			cli := func(db *testdb.DB, args ...string) []string {
				return append(args, "--url", db.URL, "--root", root, "--from-root")
			}
			down := func(db *testdb.DB) []string {
				return cli(db, "down", "--branch", "image", "--to", killDownV1, "--allow-data-loss")
			}
			prepare := func(t *testing.T) *testdb.DB {
				db := testdb.Open(t, d)
				out, err := plugmigProcess(ctx, cli(db, "apply")...).CombinedOutput()
				require.NoError(t, err, "%s", out)
				_, err = db.DB.Exec("INSERT INTO image__notes (id, body, mood, stars) VALUES (1, 'a', 'glad', 5), (2, 'b', NULL, NULL)")
				require.NoError(t, err)
				return db
			}
			clean := prepare(t)
			start := time.Now()
			out, err = plugmigProcess(ctx, down(clean)...).CombinedOutput()
			require.NoError(t, err, "%s", out)
			took := time.Since(start)
			between, mid := 0, 0
			for i := range runs {
				t.Run(strconv.Itoa(i), func(t *testing.T) {
					db := prepare(t)
					after := time.Duration(rand.Int64N(int64(took)))
					cmd := plugmigProcess(ctx, down(db)...)
					var stderr syncBuffer
					cmd.Stderr = &stderr
					require.NoError(t, cmd.Start())
					if i%2 == 1 && d != "sqlite" {
						// Every other run: the moment the plan is running.
						var seen bool
						if after, seen = waitMidDown(db, 3*took); seen {
							mid++
						}
					} else {
						time.Sleep(after)
					}
					require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
					cmd.Process.Wait()

					at, unfinished := downState(t, db)
					if d != "mysql" {
						require.False(t, unfinished, "killed after %s: an unfinished down on %s", after, d)
					}
					cols := columnCount(t, db, "image__notes")
					switch {
					case unfinished:
						between++
						out, err := plugmigProcess(ctx, cli(db, "status")...).CombinedOutput()
						require.Error(t, err)
						require.Regexp(t, `go run \./cmd down --url '[^']+' --branch image --to `+killDownV1, string(out))
					case at == killDownV2:
						require.Equal(t, 4, cols, "killed after %s: history at version 2, tables not", after)
					default:
						require.Equal(t, killDownV1, at)
						require.Equal(t, 2, cols, "killed after %s: history at version 1, tables not", after)
					}
					if at == killDownV2 || unfinished {
						out, err := plugmigProcess(ctx, down(db)...).CombinedOutput()
						require.NoError(t, err, "killed after %s:\n%s\nrerun:\n%s", after, stderr.String(), out)
					}
					at, unfinished = downState(t, db)
					require.Equal(t, killDownV1, at)
					require.False(t, unfinished)
					require.Equal(t, 2, columnCount(t, db, "image__notes"))
					out, err := plugmigProcess(ctx, cli(db, "drift")...).CombinedOutput()
					require.NoError(t, err, "drift after the down:\n%s", out)
					out, err = plugmigProcess(ctx, cli(db, "apply")...).CombinedOutput()
					require.NoError(t, err, "%s", out)
					out, err = plugmigProcess(ctx, cli(db, "drift")...).CombinedOutput()
					require.NoError(t, err, "drift after apply:\n%s", out)
				})
			}
			t.Log(fmt.Sprintf("kill -9 during down on %s: %d runs, %d killed while the plan ran, %d left an unfinished down that a rerun finished (a clean down takes %s)", d, runs, mid, between, took.Round(time.Millisecond)))
		})
	}
}

// waitMidDown waits, at most limit, until a down's plan is running on
// the database (MariaDB: its revision says some of its statements ran;
// PostgreSQL: a session is inside a schema change of the image tables),
// and returns how long it waited and whether it saw the plan run.
func waitMidDown(db *testdb.DB, limit time.Duration) (time.Duration, bool) {
	query := "SELECT count(*) FROM plugmig_history WHERE version LIKE '%.down.%' AND applied < total"
	if db.Dialect == "postgres" {
		query = `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
			AND state IN ('active', 'idle in transaction') AND (query ILIKE 'DROP%image\_\_%' OR query ILIKE 'ALTER%image\_\_%')`
	}
	start := time.Now()
	for time.Since(start) < limit {
		var n int
		if db.DB.QueryRow(query).Scan(&n) == nil && n > 0 {
			return time.Since(start), true
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(start), false
}

// downState reads the image branch's applied version from the history,
// and whether a down of it is unfinished.
func downState(t *testing.T, db *testdb.DB) (at string, unfinished bool) {
	t.Helper()
	for _, r := range readHistory(t, db) {
		switch {
		case r.branch != "image":
		case apply.IsDownKey(r.version):
			unfinished = unfinished || r.applied < r.total || r.err != ""
		case r.applied == r.total && r.err == "" && r.version > at:
			at = r.version
		}
	}
	return at, unfinished
}

// columnCount is how many columns a table has.
func columnCount(t *testing.T, db *testdb.DB, table string) int {
	t.Helper()
	query := map[string]string{
		"sqlite":   "SELECT count(*) FROM pragma_table_info('" + table + "')",
		"postgres": "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '" + table + "'",
		"mysql":    "SELECT count(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '" + table + "'",
	}[db.Dialect]
	var n int
	require.NoError(t, db.DB.QueryRow(query).Scan(&n))
	return n
}
