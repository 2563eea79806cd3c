package plan_test

import (
	"context"
	"testing"

	"ariga.io/atlas/sql/migrate"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/plan"
)

// memDir is an in-memory migration directory.
func memDir(t *testing.T, files map[string]string) migrate.Dir {
	t.Helper()
	d := &migrate.MemDir{}
	for n, b := range files {
		require.NoError(t, d.WriteFile(n, []byte(b)))
	}
	sum, err := d.Checksum()
	require.NoError(t, err)
	require.NoError(t, migrate.WriteSumFile(d, sum))
	return d
}

const fkHistory = "CREATE TABLE `p` (`id` integer NOT NULL PRIMARY KEY, `title` varchar NOT NULL);\n" +
	"CREATE TABLE `c` (`id` integer NOT NULL PRIMARY KEY, `p` integer NOT NULL, CONSTRAINT `c_p` FOREIGN KEY (`p`) REFERENCES `p` (`id`));\n" +
	"INSERT INTO `p` VALUES (1, 'a'), (2, 'b');\nINSERT INTO `c` VALUES (1, 1), (2, 2);\n"

func rebuildP(where string) string {
	return "PRAGMA foreign_keys = off;\n" +
		"CREATE TABLE `new_p` (`id` integer NOT NULL PRIMARY KEY, `title` varchar NULL);\n" +
		"INSERT INTO `new_p` (`id`, `title`) SELECT `id`, `title` FROM `p`" + where + ";\n" +
		"DROP TABLE `p`;\nALTER TABLE `new_p` RENAME TO `p`;\nPRAGMA foreign_keys = on;\n"
}

// TestReplaySQLiteRebuildWithRows: a history whose files hold rows replays
// a table rebuild on SQLite following SQLite's procedure, and refuses one
// that leaves rows referencing nothing (issue 11, item 1).
func TestReplaySQLiteRebuildWithRows(t *testing.T) {
	ctx := context.Background()
	for name, c := range map[string]struct {
		where   string
		wantErr string
	}{
		"keeps every row":      {"", ""},
		"loses referenced row": {" WHERE `id` <> 2", "c rowid 2 -> p"},
	} {
		t.Run(name, func(t *testing.T) {
			dev, err := devdb.Open(ctx, "sqlite", "")
			require.NoError(t, err)
			defer dev.Close()
			dir := memDir(t, map[string]string{"1_init.sql": fkHistory, "2_rebuild.sql": rebuildP(c.where)})
			err = plan.Replay(ctx, dev.Driver, dir)
			if c.wantErr != "" {
				require.ErrorContains(t, err, "PRAGMA foreign_key_check")
				require.ErrorContains(t, err, c.wantErr)
				require.ErrorContains(t, err, "2_rebuild.sql")
				return
			}
			require.NoError(t, err)
			var n int
			require.NoError(t, dev.DB.QueryRow("SELECT count(*) FROM c JOIN p ON c.p = p.id").Scan(&n))
			require.Equal(t, 2, n)
			require.NoError(t, dev.DB.QueryRow("PRAGMA foreign_keys").Scan(&n))
			require.Equal(t, 1, n)
		})
	}
}
