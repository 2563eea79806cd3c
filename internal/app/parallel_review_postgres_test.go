package app_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/roles"
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
	m := e.with(apply.WithProgress(&progress))
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
	m := e.with(apply.WithProgress(&progress))
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
	m := e.with(apply.WithProgress(&progress))
	res, err := m.Apply(ctx)
	t.Log(progress.String())
	require.ErrorContains(t, err, `type "nosuchtype" does not exist`)
	require.Regexp(t, `archivalook    stopped before 2999010100000[1-3]_ok\.sql: another branch failed; the next apply resumes here`, progress.String())
	// A file of archivalook sleeps 0.3 s; one that had waited for image's
	// 0.6 s file would report at least 0.9 s. The bound leaves room for a
	// busy machine (0.55 s failed at load 15).
	for _, b := range res {
		for _, f := range b.Files {
			require.Less(t, f.Duration, 850*time.Millisecond, "%s %s: its time includes waiting for image's file", b.Branch, f.Version)
		}
	}
}

// TestPostgresResumeDecidesInterruptedStatement: a PostgreSQL file outside
// a transaction whose apply was killed while a statement ran: the server
// finished and committed the statement, the history says the one before.
// The next apply must neither run it again (twice the rows, or "already
// exists" recorded as the file's failure) nor skip it blindly: it decides
// from the catalog, and when the catalog cannot tell (a data statement)
// status and apply name the flag that settles it.
func TestPostgresResumeDecidesInterruptedStatement(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	stmts := []string{
		"CREATE TABLE core__ia (id integer);",
		"CREATE INDEX CONCURRENTLY core__ia_id ON core__ia (id);",
		"INSERT INTO core__ia (id) VALUES (1);",
	}
	body := "-- atlas:txmode none\n\n" + strings.Join(stmts, "\n") + "\n"
	e.addFile("core", "29990101000000_ia.sql", body, true)
	// interrupted runs the first ran statements and records applied of them,
	// as a run killed while statement applied+1 ran leaves it.
	interrupted := func(applied, ran int) {
		_, err := e.db.DB.Exec("DROP TABLE IF EXISTS core__ia; DELETE FROM plugmig_history WHERE version = '29990101000000'")
		require.NoError(t, err)
		interrupt(t, e, "29990101000000", strings.Join(stmts, "\n")+"\n", applied, ran)
	}
	rows := func() int {
		var n int
		require.NoError(t, e.db.DB.QueryRow("SELECT count(*) FROM core__ia").Scan(&n))
		return n
	}
	for _, c := range []struct {
		name         string
		applied, ran int
		wantDecision string
	}{
		{"create index ran", 1, 2, "statement 2 had taken effect (index core__ia_id exists)"},
		{"create index did not run", 1, 1, "statement 2 had not taken effect (index core__ia_id does not exist)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			interrupted(c.applied, c.ran)
			var progress strings.Builder
			comp, _ := app.Composer()
			m, err := apply.New(e.db.DB, "postgres", comp, app.DiskSources(e.root), apply.WithScratchURL(testdb.DevURL(t, "postgres")), apply.WithProgress(&progress))
			require.NoError(t, err)
			_, err = m.Apply(ctx)
			require.NoError(t, err, progress.String())
			require.Contains(t, progress.String(), c.wantDecision)
			require.Equal(t, 1, rows())
		})
	}
	t.Run("insert ran", func(t *testing.T) {
		interrupted(2, 3)
		st, err := e.migrator().Status(ctx)
		require.NoError(t, err)
		require.Contains(t, st[0].Next, "--interrupted=ran")
		_, err = e.migrator().Apply(ctx)
		require.ErrorIs(t, err, apply.ErrInterrupted)
		require.Equal(t, 1, rows(), "the insert ran again")
		comp, _ := app.Composer()
		m, err := apply.New(e.db.DB, "postgres", comp, app.DiskSources(e.root), apply.WithScratchURL(testdb.DevURL(t, "postgres")), apply.WithInterrupted(apply.InterruptedRan))
		require.NoError(t, err)
		_, err = m.Apply(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, rows())
	})
}

// TestPostgresKilledRunsPasswordsRemovedByTheNext: a run sets every pending
// plugin role's password at its start and removes them at its end; a run
// killed in between leaves them, also on roles whose branches it finished.
// The next run, which does not migrate those plugins, removes them.
func TestPostgresKilledRunsPasswordsRemovedByTheNext(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	database := e.db.Name
	// What the killed run left: image's and mediasecurity's roles keep the
	// password it gave them (their branches were done).
	for _, p := range []string{"image", "mediasecurity"} {
		_, err := e.db.DB.Exec("ALTER ROLE " + roles.QuotePG(roles.Name(database, p)) + " PASSWORD 'left-by-a-killed-run'")
		require.NoError(t, err)
	}
	e.addFile("archivalook", "29990101000000_p.sql", "CREATE TABLE archivalook__p (id integer);\n", true)
	_, err = e.migrator().Apply(ctx)
	require.NoError(t, err)
	left, err := testdb.Rows(e.db.DB, `SELECT rolname FROM pg_authid WHERE rolname LIKE 'plugmig\_%\_`+roles.DatabaseTag(database)+`' AND rolpassword IS NOT NULL`)
	require.NoError(t, err)
	require.Empty(t, left, "roles that can still log in with a password")
}

// TestPostgresParallelSelfSetPasswordCannotReachAnotherBranch: a plugin
// file may give its own role a password in dynamic SQL (a role may change
// its own password, and no lint reads every EXECUTE). Whoever wrote it
// could then log in as the plugin from outside while the run goes on and,
// while another plugin's watched file runs, change the plugin's own
// objects, which the observer blames on that other file (or read core's
// tables at leisure). So a plugin role has one session at a time, apply's
// (CONNECTION LIMIT 1), and its password is removed before that session
// closes, not at the end of the run. (This server trusts local logins, so
// the test checks both halves rather than log in with the password.)
func TestPostgresParallelSelfSetPasswordCannotReachAnotherBranch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	database := e.db.Name
	role := roles.Name(database, "image")
	e.addFile("image", "29990101000000_pw.sql", "DO $$ BEGIN EXECUTE 'ALTER ROLE ' || quote_ident(current_user) || ' PASSWORD ''known-to-the-author'''; END $$;\n", true)
	e.addFile("image", "29990101000001_slow.sql", "CREATE TABLE image__slow AS SELECT 1 AS x FROM pg_sleep(0.5);\n", true)
	e.addFile("archivalook", "29990101000000_slow.sql", "CREATE TABLE archivalook__slow AS SELECT 1 AS x FROM pg_sleep(0.5);\n", true)
	e.addFile("archivalook", "29990101000001_slow.sql", "CREATE TABLE archivalook__slow2 AS SELECT 1 AS x FROM pg_sleep(0.5);\n", true)

	u, err := url.Parse(e.db.URL)
	require.NoError(t, err)
	u.User = url.UserPassword(role, "known-to-the-author")
	cfg := mustParsePG(t, u.String())
	stop := make(chan struct{})
	var problems []string
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		sawSession := false
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			var sessions int
			var password bool
			// A verifier of apply's own (128 iterations) is not the file's.
			if e.db.DB.QueryRow("SELECT (SELECT count(*) FROM pg_stat_activity WHERE usename = $1), (SELECT coalesce(rolpassword NOT LIKE 'SCRAM-SHA-256$128:%', false) FROM pg_authid WHERE rolname = $1)", role).Scan(&sessions, &password) != nil {
				continue
			}
			switch {
			case sessions > 0:
				sawSession = true
				// apply's session is open: a second login must be refused.
				c, err := pgx.ConnectConfig(ctx, cfg)
				if err == nil {
					// apply's session may have closed between the count and
					// the login (this server trusts local logins): only two
					// at once is a problem.
					var others int
					if c.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE usename = current_user AND pid <> pg_backend_pid()").Scan(&others) == nil && others > 0 {
						problems = append(problems, "logged in as image beside apply's session")
					}
					c.Close(ctx)
				}
			case sawSession && password:
				problems = append(problems, "image's session is closed and the password its file set still works")
			}
		}
	}()
	var progress strings.Builder
	m := e.with(apply.WithProgress(&progress))
	_, err = m.Apply(ctx)
	close(stop)
	<-watched
	t.Log(progress.String())
	require.NoError(t, err)
	require.Empty(t, problems)
}

func mustParsePG(t *testing.T, dsn string) *pgx.ConnConfig {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	return cfg
}

// TestPostgresLeftoverPluginSessionEnded: a session a killed run left on a
// plugin's role (its server process runs its statement to the end before
// it notices the client is gone) holds the role's one connection; the
// next apply ends it and logs in, instead of failing with "too many
// connections for role".
func TestPostgresLeftoverPluginSessionEnded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newApplyEnv(t, "postgres")
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	database := e.db.Name
	// The leftover: a session as image's role, in a transaction.
	u, err := url.Parse(e.db.URL)
	require.NoError(t, err)
	u.User = url.User(roles.Name(database, "image"))
	left, err := pgx.ConnectConfig(ctx, mustParsePG(t, u.String()))
	require.NoError(t, err, "this server trusts local logins")
	defer left.Close(ctx)
	_, err = left.Exec(ctx, "BEGIN; SELECT 1 FROM image__mediadata")
	require.NoError(t, err)

	e.addFile("image", "29990101000000_more.sql", "CREATE TABLE image__more (id integer);\n", true)
	var progress strings.Builder
	m := e.with(apply.WithProgress(&progress))
	_, err = m.Apply(ctx)
	require.NoError(t, err)
	require.Contains(t, progress.String(), "ended 1 session(s) of plugin roles left by an interrupted run")
	require.Error(t, left.Ping(ctx), "the leftover session was ended")
}
