package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
)

// TestPostgresParallelBranchesDeadlockRetried: two plugin branches applied
// at once take core's locks in opposite orders; the server breaks the
// deadlock by rolling one file back, and apply runs that file again
// instead of failing the run or recording a failure. The locks are forced
// into that order by the test holding them first.
func TestPostgresParallelBranchesDeadlockRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	// image references media entries, then users; archivalook the reverse.
	e.addFile("image", "29990101000000_refs.sql", "CREATE TABLE image__refs_a (m integer REFERENCES core__media_entries (id));\nCREATE TABLE image__refs_b (u integer REFERENCES core__users (id));\n", true)
	e.addFile("archivalook", "29990101000000_refs.sql", "CREATE TABLE archivalook__refs_a (u integer REFERENCES core__users (id));\nCREATE TABLE archivalook__refs_b (m integer REFERENCES core__media_entries (id));\n", true)

	hold := func(table string) func() {
		tx, err := e.db.DB.BeginTx(ctx, nil)
		require.NoError(t, err)
		_, err = tx.Exec("LOCK TABLE " + table + " IN SHARE ROW EXCLUSIVE MODE")
		require.NoError(t, err)
		return func() { require.NoError(t, tx.Commit()) }
	}
	// waiting counts the plugin sessions waiting for a lock on table.
	waiting := func(table string) int {
		var n int
		require.NoError(t, e.db.DB.QueryRow(`SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE NOT l.granted AND l.relation = $1::regclass AND a.usename LIKE 'plugmig\_%'`, table).Scan(&n))
		return n
	}
	await := func(table string, n int) {
		deadline := time.Now().Add(20 * time.Second)
		for waiting(table) < n {
			require.True(t, time.Now().Before(deadline), "%d plugin sessions waiting for %s", n, table)
			time.Sleep(20 * time.Millisecond)
		}
	}
	releaseMedia, releaseUsers := hold("core__media_entries"), hold("core__users")

	var progress strings.Builder // read once apply is over
	m := e.with(apply.WithProgress(&progress))
	done := make(chan error, 1)
	go func() {
		_, err := m.Apply(ctx)
		done <- err
	}()
	await("core__media_entries", 1) // image, at its first table
	await("core__users", 1)         // archivalook, at its first table
	releaseMedia()                  // image takes media entries, then waits for users behind archivalook
	await("core__users", 2)
	releaseUsers() // archivalook takes users and waits for media entries, held by image: a deadlock
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("apply did not finish")
	}
	require.NoError(t, err)
	require.Contains(t, progress.String(), "deadlock with another branch of this run, rolled back; running it again")
	st, err := e.migrator().Status(ctx)
	require.NoError(t, err)
	for _, b := range st {
		if b.State == apply.StateEnabled {
			require.Zero(t, b.Pending, "branch %s", b.Branch)
		}
	}
	rows, err := e.db.DB.Query(`SELECT branch, type, coalesce(error, '') FROM plugmig_history WHERE version = '29990101000000' ORDER BY branch`)
	require.NoError(t, err)
	defer rows.Close()
	var got []string
	for rows.Next() {
		var b, typ, msg string
		require.NoError(t, rows.Scan(&b, &typ, &msg))
		got = append(got, b+" "+typ+" "+msg)
	}
	require.Equal(t, []string{"archivalook applied ", "image applied "}, got, "both applied, no failure recorded")
}

// TestPostgresBranchesOneAtATime: with WithParallelBranches(1) (apply
// --branches 1) the plugin branches apply one after another, each on its
// own login, in plan order, and all of them are applied.
func TestPostgresBranchesOneAtATime(t *testing.T) {
	t.Parallel()
	e := newApplyEnv(t, "postgres")
	var progress strings.Builder
	res, err := e.with(apply.WithParallelBranches(1), apply.WithProgress(&progress)).Apply(context.Background())
	require.NoError(t, err)
	var order []string
	for _, r := range res {
		require.NotEmpty(t, r.Files, "branch %s applied", r.Branch)
		order = append(order, r.Branch)
	}
	require.Equal(t, append([]string{"core"}, defaultPlugins(t)...), order)
	var lines []string
	for _, l := range strings.Split(progress.String(), "\n") {
		if f := strings.Fields(l); len(f) > 1 && strings.HasSuffix(f[1], ".sql") {
			lines = append(lines, f[0])
		}
	}
	require.Equal(t, order, lines, "one branch after another, in plan order")
}
