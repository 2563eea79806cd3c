package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/lint"
	"github.com/plugmig/plugmig/internal/testdb"
)

// attack is a plugin migration (plugin "image") that must be caught by
// lint, refused by apply, and leave every database exactly as it was.
// Its SQL may name {{db}} (the target database), {{other}} (another
// database on the same server, holding one row in table victim) and
// {{marker}} (a file no statement may create).
type attack struct {
	name string
	sql  string
}

// serverNoops are the attacks the server turns into no-ops where the file
// runs as the plugin's own login (apply on PostgreSQL), and why: apply may
// accept them (it judges what the file did, not its text), lint reports
// them, and nothing changes anywhere.
var serverNoops = map[string]string{
	"history of another branch":         "the plugin's role writes only its own branch's rows of the history (row-level security): the DELETE deletes nothing",
	"core name renamed to the plugin's": "the file's transaction ends with only the plugin's name: core's name was held inside the file's transaction, which no one else sees",
}

// adversary is one dialect's applied database, scratch database and
// bystander database, shared by the cases of its suite.
type adversary struct {
	t      *testing.T
	e      *applyEnv
	dev    *devdb.DB
	other  *testdb.DB
	marker string
	state  func() string // the dialect's catalog facts that no plugin may change
}

func newAdversary(t *testing.T, dialect string, state func(*adversary) string) *adversary {
	t.Helper()
	a := &adversary{t: t, e: newApplyEnv(t, dialect), dev: testdb.Dev(t, dialect), other: testdb.Open(t, dialect)}
	a.marker = filepath.Join(t.TempDir(), "pwned")
	_, err := a.other.DB.Exec("CREATE TABLE victim (id integer)")
	require.NoError(t, err)
	_, err = a.other.DB.Exec("INSERT INTO victim (id) VALUES (1)")
	require.NoError(t, err)
	_, err = a.e.migrator().Apply(context.Background())
	require.NoError(t, err)
	_, err = a.e.db.DB.Exec("INSERT INTO core__users (id, bio, created, updated) VALUES (1, 'bio', '2020-01-01 00:00:00', '2020-01-01 00:00:00')")
	require.NoError(t, err)
	a.state = func() string { return state(a) }
	return a
}

func (a *adversary) expand(sql string) string {
	return strings.NewReplacer("{{db}}", a.e.db.Name, "{{other}}", a.other.Name, "{{marker}}", a.marker).Replace(sql)
}

// everything is the state an attack must leave byte-identical: core's
// schema and rows, the dialect's catalog facts, the other database's rows,
// and the marker file's absence.
func (a *adversary) everything() string {
	victim, err := testdb.Rows(a.other.DB, "SELECT * FROM victim")
	require.NoError(a.t, err)
	_, statErr := os.Stat(a.marker)
	return a.e.coreDump() + a.state() + fmt.Sprintf("\nother database: %v\nmarker exists: %v\n", victim, statErr == nil)
}

// run checks every attack: lint reports an error in the file, apply
// refuses it naming the file, and nothing changed anywhere.
func (a *adversary) run(attacks []attack) {
	t := a.t
	ctx := context.Background()
	before := a.everything()
	d := a.e.db.Dialect
	for _, at := range attacks {
		t.Run(at.name, func(t *testing.T) {
			root := testdb.CopyRoot(t)
			a.e.t, a.e.root = t, root
			a.e.addFile("image", "29990101000000_bad.sql", a.expand(at.sql)+"\n", true)

			var codes []string
			for _, f := range lintRoot(t, root, a.dev) {
				if f.File == "plugins/image/migrations/"+d+"/29990101000000_bad.sql" {
					codes = append(codes, f.Code+" "+f.Message)
				}
			}
			require.NotEmpty(t, codes, "lint must report it")
			require.NotContains(t, strings.Join(codes, "\n"), "plugmig_lint", "lint reports its own instruments as the plugin's")
			require.Equal(t, before, a.everything(), "lint changed something outside its scratch database")

			_, err := a.e.migrator().Apply(ctx)
			if _, noop := serverNoops[at.name]; !noop || d != "postgres" || err != nil {
				require.Error(t, err, "apply must refuse it")
				require.Contains(t, err.Error(), "29990101000000_bad.sql")
			}
			_, derr := a.e.db.DB.Exec("DELETE FROM plugmig_history WHERE version = '29990101000000'")
			require.NoError(t, derr)
			require.Equal(t, before, a.everything(), "apply changed something")
			t.Logf("lint: %s", strings.Join(codes, "; "))
		})
	}
	a.e.t = t
}

// shards is how many databases a server-backed suite spreads its cases
// over. The cases wait on the server (DDL, fsync), not on the CPU, so a few
// at once overlap; each shard has its own target, scratch and bystander
// databases, so no case sees another's.
const shards = 3

// inShards runs the cases in parallel subtests "shard1".."shardN", each
// calling fn with every N-th case (so that slow cases spread).
func inShards[T any](t *testing.T, cases []T, fn func(t *testing.T, cases []T)) {
	for s := range min(shards, len(cases)) {
		var part []T
		for i := s; i < len(cases); i += shards {
			part = append(part, cases[i])
		}
		t.Run(fmt.Sprintf("shard%d", s+1), func(t *testing.T) {
			t.Parallel()
			fn(t, part)
		})
	}
}

// runAttacks checks every attack as [adversary.run] does, spread over
// [shards] adversaries of the dialect.
func runAttacks(t *testing.T, dialect string, state func(*adversary) string, attacks []attack) {
	inShards(t, attacks, func(t *testing.T, attacks []attack) {
		newAdversary(t, dialect, state).run(attacks)
		t.Logf("%d %s attacks refused", len(attacks), dialect)
	})
}

// mustPass applies each legitimate file alone on a fresh database, then
// all of them together in one fresh run; lint reports no error for any.
// Each run has its own databases, so they run in parallel.
func mustPass(t *testing.T, dialect string, files []attack) {
	ctx := context.Background()
	together := newApplyEnv(t, dialect)
	for i, f := range files {
		name := fmt.Sprintf("2999010100%04d_%s.sql", i, strings.ReplaceAll(f.name, " ", "_"))
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			e := newApplyEnv(t, dialect)
			e.addFile("image", name, f.sql, true)
			require.Empty(t, lintRoot(t, e.root, testdb.Dev(t, dialect)))
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
		})
		together.addFile("image", name, f.sql, true)
	}
	t.Run("all together in one fresh run", func(t *testing.T) {
		t.Parallel()
		together.t = t
		require.Empty(t, lintRoot(t, together.root, testdb.Dev(t, dialect)))
		_, err := together.migrator().Apply(ctx)
		require.NoError(t, err)
	})
}

var _ = lint.Error
