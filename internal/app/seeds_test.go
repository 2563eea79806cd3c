package app_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
)

// refuseFeaturer makes inserting the "featurer" privilege fail, as a seed
// insert can (a constraint, a full disk, a lost connection).
var refuseFeaturer = map[string][]string{
	"sqlite": {"CREATE TRIGGER t_no_featurer BEFORE INSERT ON core__privileges WHEN NEW.privilege_name = 'featurer' BEGIN SELECT RAISE(ABORT, 'no featurer today'); END"},
	"postgres": {
		"CREATE FUNCTION t_no_featurer() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.privilege_name = 'featurer' THEN RAISE EXCEPTION 'no featurer today'; END IF; RETURN NEW; END $$",
		"CREATE TRIGGER t_no_featurer BEFORE INSERT ON core__privileges FOR EACH ROW EXECUTE FUNCTION t_no_featurer()",
	},
	"mysql": {"CREATE TRIGGER t_no_featurer BEFORE INSERT ON core__privileges FOR EACH ROW BEGIN IF NEW.privilege_name = 'featurer' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'no featurer today'; END IF; END"},
}

var allowFeaturer = map[string][]string{
	"sqlite":   {"DROP TRIGGER t_no_featurer"},
	"postgres": {"DROP TRIGGER t_no_featurer ON core__privileges", "DROP FUNCTION t_no_featurer()"},
	"mysql":    {"DROP TRIGGER t_no_featurer"},
}

// TestSeedsReconciledInTheFilesTransaction: a plugin's seed row goes in
// with its file, in the file's transaction where the dialect has one: when
// the seed insert fails the file is rolled back with it (SQLite,
// PostgreSQL), and any later apply inserts a seed row that is missing,
// even with nothing else to do (issue 11, item 3).
func TestSeedsReconciledInTheFilesTransaction(t *testing.T) {
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, d)
			_, err := e.migrator("none").Apply(ctx)
			require.NoError(t, err)
			for _, s := range refuseFeaturer[d] {
				_, err := e.db.DB.Exec(s)
				require.NoError(t, err)
			}
			_, err = e.migrator("archivalook").Apply(ctx)
			require.ErrorContains(t, err, "no featurer today")
			require.ErrorContains(t, err, `branch "archivalook": seed core__privileges`)
			snap := e.snapshot()
			if d != compose.MySQL {
				require.NotContains(t, snap, "archivalook__featured_media", "the file was rolled back with its seed")
				require.NotContains(t, snap, "rev archivalook", "and is not recorded")
			} else {
				require.Contains(t, snap, "archivalook__featured_media", "MySQL commits DDL at once")
			}
			require.NotContains(t, e.privileges(), "featurer")

			for _, s := range allowFeaturer[d] {
				_, err := e.db.DB.Exec(s)
				require.NoError(t, err)
			}
			_, err = e.migrator("archivalook").Apply(ctx)
			require.NoError(t, err)
			require.Contains(t, e.privileges(), "featurer")
			require.Contains(t, e.snapshot(), "rev archivalook")

			// Lost later (deleted by hand): the next apply, with no file to
			// run, inserts it again.
			_, err = e.db.DB.Exec("DELETE FROM core__privileges WHERE privilege_name = 'featurer'")
			require.NoError(t, err)
			res, err := e.migrator("archivalook").Apply(ctx)
			require.NoError(t, err)
			i := slices.IndexFunc(res, func(r apply.BranchResult) bool { return r.Branch == "archivalook" })
			require.Empty(t, res[i].Files)
			require.Equal(t, 1, res[i].Seeded)
			n := 0
			for _, p := range e.privileges() {
				if p == "featurer" {
					n++
				}
			}
			require.Equal(t, 1, n, "inserted once")
		})
	}
}
