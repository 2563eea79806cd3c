package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/internal/app"
	"github.com/plugmig/plugmig/internal/testdb"
)

// TestPostgresParallelTempTablesOfAClosedSessionBlameNoOne: a plugin's
// temporary tables (allowed when named with its prefix) disappear when its
// session closes at the end of its branch, which the server does after the
// client has gone. While branches apply at once, another plugin's watched
// file must not be blamed for that drop.
func TestPostgresParallelTempTablesOfAClosedSessionBlameNoOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	// 600 temporary sequences: the server takes a while to drop them when
	// the session ends.
	var tmp strings.Builder
	for t := range 3 {
		cols := make([]string, 200)
		for i := range cols {
			cols[i] = fmt.Sprintf("c%d serial", i)
		}
		fmt.Fprintf(&tmp, "CREATE TEMP TABLE archivalook__tmp%d (%s);\n", t, strings.Join(cols, ", "))
	}
	e.addFile("archivalook", "29990101000000_tmp.sql", tmp.String(), true)
	// Watched files: whichever order the branches take, one of image's
	// runs right after archivalook's session closes.
	for i := range 3 {
		e.addFile("image", fmt.Sprintf("2999010100000%d_slow.sql", i), fmt.Sprintf("CREATE TABLE image__slow%d AS SELECT 1 AS x FROM pg_sleep(0.3);\n", i), true)
	}

	var progress strings.Builder
	comp, err := app.Composer()
	require.NoError(t, err)
	m, err := apply.New(e.db.DB, "postgres", comp, app.DiskSources(e.root), apply.WithProgress(&progress), apply.WithScratchURL(testdb.DevURL(t, "postgres")))
	require.NoError(t, err)
	_, err = m.Apply(ctx)
	t.Log(progress.String())
	require.NoError(t, err, "image's file is blamed for archivalook's temporary tables, dropped by the server when archivalook's session closed")
	var failures int
	require.NoError(t, e.db.DB.QueryRow(`SELECT count(*) FROM plugmig_history WHERE error IS NOT NULL`).Scan(&failures))
	require.Zero(t, failures)
}

// TestPostgresParallelSeedDeadlockAfterCommitNotRerun: a plugin's seed rows
// that could not go in beside its last file (a lock held too long) go in
// right after the file commits; if that insert is then chosen as a
// deadlock's victim, the file is applied and recorded already and must not
// run again (a second run fails on what the first created and would record
// that failure over the applied revision). core__privileges gets a trigger,
// standing for the locks of another branch, that times out the insert
// beside the file and fails the one after it as a deadlock.
func TestPostgresParallelSeedDeadlockAfterCommitNotRerun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	_, err = e.db.DB.Exec(`DELETE FROM core__privileges WHERE privilege_name = 'featurer';
CREATE FUNCTION review_seed_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('lock_timeout') = '2s' THEN
		RAISE EXCEPTION 'canceling statement due to lock timeout' USING ERRCODE = '55P03';
	END IF;
	RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01';
END $$;
CREATE TRIGGER review_seed_lock BEFORE INSERT ON core__privileges FOR EACH ROW EXECUTE FUNCTION review_seed_lock();`)
	require.NoError(t, err)
	e.addFile("archivalook", "29990101000000_p.sql", "CREATE TABLE archivalook__p (id integer);\n", true)

	var progress strings.Builder
	comp, err := app.Composer()
	require.NoError(t, err)
	m, err := apply.New(e.db.DB, "postgres", comp, app.DiskSources(e.root), apply.WithProgress(&progress), apply.WithScratchURL(testdb.DevURL(t, "postgres")))
	require.NoError(t, err)
	_, err = m.Apply(ctx)
	t.Log(progress.String())
	var applied, total int
	var msg string
	require.NoError(t, e.db.DB.QueryRow(`SELECT applied, total, coalesce(error, '') FROM plugmig_history WHERE branch = 'archivalook' AND version = '29990101000000'`).Scan(&applied, &total, &msg))
	require.Equal(t, []any{1, 1, ""}, []any{applied, total, msg}, "the history keeps the file applied")
	require.Error(t, err, "the seed row could not be inserted")
	require.Contains(t, err.Error(), "the file is applied and recorded, its seed rows are not")
	require.NotContains(t, progress.String(), "running it again", "a committed file was run again")

	// Once the lock is gone, the next apply inserts the missing seed row.
	_, err = e.db.DB.Exec(`DROP TRIGGER review_seed_lock ON core__privileges; DROP FUNCTION review_seed_lock()`)
	require.NoError(t, err)
	_, err = e.migrator().Apply(ctx)
	require.NoError(t, err)
	require.Contains(t, e.privileges(), "featurer")
}

// TestPostgresParallelProgressSaysWaitAndStop: with branches applied at
// once, a file's reported time is its own, not the time it waited for
// another branch's watched file (said apart), and a branch stopped because
// another failed says where it stopped.
func TestPostgresParallelProgressSaysWaitAndStop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	// image's file is watched (it selects), runs alone for 0.6 s, then fails.
	e.addFile("image", "29990101000000_bad.sql", "CREATE TABLE image__b AS SELECT 1 AS x FROM pg_sleep(0.6);\nCREATE TABLE image__c (id nosuchtype);\n", true)
	// archivalook's files are watched too and take 0.3 s each: image fails
	// while archivalook has files left.
	for i := range 4 {
		e.addFile("archivalook", fmt.Sprintf("2999010100000%d_ok.sql", i), fmt.Sprintf("CREATE TABLE archivalook__t%d AS SELECT 1 AS x FROM pg_sleep(0.3);\n", i), true)
	}
	var progress strings.Builder
	comp, err := app.Composer()
	require.NoError(t, err)
	m, err := apply.New(e.db.DB, "postgres", comp, app.DiskSources(e.root), apply.WithProgress(&progress), apply.WithScratchURL(testdb.DevURL(t, "postgres")))
	require.NoError(t, err)
	res, err := m.Apply(ctx)
	t.Log(progress.String())
	require.ErrorContains(t, err, `type "nosuchtype" does not exist`)
	require.Regexp(t, `archivalook    stopped before 2999010100000[1-3]_ok\.sql: another branch failed; the next apply resumes here`, progress.String())
	for _, b := range res {
		for _, f := range b.Files {
			require.Less(t, f.Duration, 550*time.Millisecond, "%s %s: its time includes waiting for image's file", b.Branch, f.Version)
		}
	}
}
