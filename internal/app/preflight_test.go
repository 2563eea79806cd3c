package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/internal/app"
)

// TestPreflightFollowsTheBranch: plugin files that run outside a
// transaction (every file on MySQL; "-- atlas:txmode none" elsewhere) are
// checked before they run on one scratch database per branch and run,
// which follows the branch's files (the plain-DDL ones it lets through
// unchecked included), not on a new scratch database per file replaying
// the whole history (issue 23: a 122-file MariaDB history took 155 s
// against 2.5 s through the client, each file slower than the last). The
// checks still see each file's true state and still refuse a core write
// before it runs. Not parallel: it counts this process's scratch databases
// on the server.
func TestPreflightFollowsTheBranch(t *testing.T) {
	comp, err := app.Composer()
	require.NoError(t, err)
	p := comp.Plugins().Names()[0] // any registered plugin
	pre := plugin.Prefix(p)
	for _, d := range []string{compose.Postgres, compose.MySQL} { // SQLite runs every plugin file in a transaction
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			e := newApplyEnv(t, d)
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			notx := "-- atlas:txmode none\n\n"
			if d == compose.MySQL {
				notx = "" // every file: MySQL's DDL commits by itself
			}
			e.addFile(p, "29990101000000_fill.sql", notx+fmt.Sprintf("CREATE TABLE %[1]spf (id integer NOT NULL, n integer NOT NULL, PRIMARY KEY (id));\nINSERT INTO %[1]spf (id, n) VALUES (1, 1), (2, 2);\n", pre), false)
			e.addFile(p, "29990101000001_plain.sql", notx+fmt.Sprintf("CREATE TABLE %[1]spf2 (id integer NOT NULL, PRIMARY KEY (id));\n", pre), false)
			e.addFile(p, "29990101000002_copy.sql", notx+fmt.Sprintf("INSERT INTO %[1]spf2 (id) SELECT id FROM %[1]spf;\nUPDATE %[1]spf SET n = n * 10;\n", pre), true)

			seen := &scratchWatch{db: e.db.DB, dialect: d}
			_, err = e.with(apply.WithProgress(seen)).Apply(ctx)
			require.NoError(t, err)
			require.NoError(t, seen.err)
			var n int
			require.NoError(t, e.db.DB.QueryRowContext(ctx, "SELECT count(*) FROM "+pre+"pf2").Scan(&n))
			require.Equal(t, 2, n, "the copy ran after the plain file the scratch database followed")
			require.Len(t, seen.lines, 3, "a progress line per file")
			for i, names := range seen.lines {
				require.Len(t, names, 1, "file %d: one scratch database of this process while the branch runs, got %v", i+1, names)
				require.Equal(t, seen.lines[0], names, "file %d: the same scratch database for every file of the branch", i+1)
			}
			require.Empty(t, scratchDatabases(t, ctx, e.db.DB, d), "the branch's scratch database is dropped when it is done")

			// A later file writing core is still refused before it runs.
			e.addFile(p, "29990101000003_core.sql", notx+fmt.Sprintf("INSERT INTO %[1]spf2 (id) VALUES (3);\nDELETE FROM core__users;\n", pre), true)
			_, err = e.migrator().Apply(ctx)
			require.ErrorContains(t, err, "touches what it does not own")
			require.ErrorContains(t, err, "DELETE FROM core__users")
			require.NoError(t, e.db.DB.QueryRowContext(ctx, "SELECT count(*) FROM "+pre+"pf2").Scan(&n))
			require.Equal(t, 2, n, "nothing of the refused file ran")
			require.Empty(t, scratchDatabases(t, ctx, e.db.DB, d), "the scratch database is dropped after a refusal too")
		})
	}
}

// scratchWatch is a progress writer that lists, at each line, this
// process's scratch databases on the server.
type scratchWatch struct {
	mu      sync.Mutex
	db      *sql.DB
	dialect string
	lines   [][]string
	err     error
}

func (w *scratchWatch) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	names, err := listScratch(context.Background(), w.db, w.dialect)
	if err != nil {
		w.err = err
	}
	if slices.Contains(b, '\n') {
		w.lines = append(w.lines, names)
	}
	return len(b), nil
}

func scratchDatabases(t *testing.T, ctx context.Context, db *sql.DB, dialect string) []string {
	t.Helper()
	names, err := listScratch(ctx, db, dialect)
	require.NoError(t, err)
	return names
}

// listScratch returns the scratch databases this process has on the
// server (devdb names them plugmig_dev_<unix time>_<pid>_<random>).
func listScratch(ctx context.Context, db *sql.DB, dialect string) ([]string, error) {
	pattern := fmt.Sprintf(`plugmig\_dev\_%%\_%d\_%%`, os.Getpid())
	q := "SELECT datname FROM pg_database WHERE datname LIKE $1"
	if dialect == compose.MySQL {
		q = "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE ?"
	}
	rows, err := db.QueryContext(ctx, q, pattern)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}
