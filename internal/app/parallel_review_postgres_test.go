package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

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
