package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/internal/app"
)

// TestApplyRefusesDataLoss: a file that drops a table or a column holding
// rows (a plugin's or core's) is refused before it runs, naming the object
// and its rows, unless apply --allow-data-loss or the statement's directive
// allows it; dropping what holds nothing runs (issue 11, item 4).
func TestApplyRefusesDataLoss(t *testing.T) {
	for _, d := range compose.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newApplyEnv(t, d)
			e.addFile("image", "29990101000000_notes.sql", "CREATE TABLE image__notes (id int NOT NULL, body varchar(10) NULL, spare varchar(10) NULL, PRIMARY KEY (id));\nCREATE TABLE image__empty (id int NOT NULL, PRIMARY KEY (id));\n", true)
			_, err := e.migrator().Apply(ctx)
			require.NoError(t, err)
			for i := 1; i <= 3; i++ {
				_, err := e.db.DB.Exec(fmt.Sprintf("INSERT INTO image__notes (id, body) VALUES (%d, 'x')", i))
				require.NoError(t, err)
			}
			_, err = e.db.DB.Exec("INSERT INTO core__nonce_timestamps (nonce, timestamp) VALUES ('n', '2026-01-01 00:00:00')")
			require.NoError(t, err)

			refused := func(branch, name, body, want string) {
				t.Helper()
				e.addFile(branch, name, body, true)
				before := e.snapshot()
				_, err := e.migrator().Apply(ctx)
				require.ErrorIs(t, err, apply.ErrDataLoss)
				require.ErrorContains(t, err, name)
				require.ErrorContains(t, err, want)
				require.ErrorContains(t, err, "go run ./cmd apply --allow-data-loss")
				require.ErrorContains(t, err, "nothing of the file was run")
				require.Equal(t, before, e.snapshot(), "nothing ran, nothing recorded")
			}
			refused("image", "29990102000000_drop_body.sql", "ALTER TABLE image__notes DROP COLUMN body;\n", "drops column image__notes.body, which holds a value in 3 row(s)")
			// The directive allows it (with a reason).
			e.addFile("image", "29990102000000_drop_body.sql", "-- plugmig:allow data-loss: the notes moved to image__mediadata.exif_all\nALTER TABLE image__notes DROP COLUMN body;\n", true)
			_, err = e.migrator().Apply(ctx)
			require.NoError(t, err)
			// A column of NULLs and an empty table hold nothing.
			e.addFile("image", "29990103000000_drop_empty.sql", "ALTER TABLE image__notes DROP COLUMN spare;\nDROP TABLE image__empty;\n", true)
			_, err = e.migrator().Apply(ctx)
			require.NoError(t, err)

			if d != compose.SQLite { // SQLite has no TRUNCATE
				refused("image", "29990103500000_truncate_notes.sql", "TRUNCATE TABLE image__notes;\n", "drops every row of table image__notes (TRUNCATE), which holds 3 row(s)")
				e.removeFile("image", "29990103500000_truncate_notes.sql")
			}
			refused("image", "29990104000000_drop_notes.sql", "DROP TABLE image__notes;\n", "drops table image__notes, which holds 3 row(s)")
			refused("core", "29990101000000_drop_nonces.sql", "DROP TABLE core__nonce_timestamps;\n", "drops table core__nonce_timestamps, which holds 1 row(s)")

			// apply --dry-run shows the same refusal.
			m := e.migrator()
			plans, err := m.Plan(ctx)
			require.NoError(t, err)
			require.ErrorContains(t, m.CheckDataLoss(ctx, plans[0], plans[0].Pending[0]), "drops table core__nonce_timestamps, which holds 1 row(s)")

			comp, _ := app.Composer()
			allow, err := apply.New(e.db.DB, d, comp, app.DiskSources(e.root), apply.WithSQLiteFile(e.db.Name), apply.WithScratchURL(e.db.URL), apply.WithAllowDataLoss(true))
			require.NoError(t, err)
			_, err = allow.Apply(ctx)
			require.NoError(t, err, "--allow-data-loss")
			require.NotContains(t, e.snapshot(), "image__notes:")

			// A directive without a reason is refused, naming it.
			e.addFile("image", "29990105000000_nothing.sql", "-- plugmig:allow data-loss\nDROP TABLE image__mediadata;\n", true)
			_, err = e.migrator().Apply(ctx)
			require.ErrorContains(t, err, "has no reason")
		})
	}
}

// TestSQLiteRebuildDataLoss: Atlas's SQLite rebuild drops the old table
// after copying it, which loses nothing; a rebuild that leaves out a column
// holding values loses it and is refused, naming the column.
func TestSQLiteRebuildDataLoss(t *testing.T) {
	ctx := context.Background()
	e := newApplyEnv(t, compose.SQLite)
	e.addFile("image", "29990101000000_notes.sql", "CREATE TABLE image__notes (id int NOT NULL, body varchar(10) NULL, spare varchar(10) NULL, PRIMARY KEY (id));\nINSERT INTO image__notes (id, body) VALUES (1, 'x'), (2, 'y');\n", true)
	_, err := e.migrator().Apply(ctx)
	require.NoError(t, err)
	rebuild := func(cols string) string {
		return "PRAGMA foreign_keys = off;\n-- Create \"new_image__notes\" table\nCREATE TABLE `new_image__notes` (`id` int NOT NULL, `body` varchar(20) NULL, PRIMARY KEY (`id`));\n" +
			"INSERT INTO `new_image__notes` (" + cols + ") SELECT " + cols + " FROM `image__notes`;\n" +
			"-- Drop \"image__notes\" table after copying rows\nDROP TABLE `image__notes`;\n" +
			"ALTER TABLE `new_image__notes` RENAME TO `image__notes`;\nPRAGMA foreign_keys = on;\n"
	}
	e.addFile("image", "29990102000000_rebuild.sql", rebuild("`id`"), true)
	_, err = e.migrator().Apply(ctx)
	require.ErrorIs(t, err, apply.ErrDataLoss)
	require.ErrorContains(t, err, "drops column image__notes.body (the rebuild of image__notes leaves it out), which holds a value in 2 row(s)")
	require.NotContains(t, err.Error(), "spare", "a column of NULLs holds nothing")
	e.addFile("image", "29990102000000_rebuild.sql", rebuild("`id`, `body`"), true)
	_, err = e.migrator().Apply(ctx)
	require.NoError(t, err, "a rebuild that copies every column with values loses nothing")
	var n int
	require.NoError(t, e.db.DB.QueryRow("SELECT count(*) FROM image__notes WHERE body IS NOT NULL").Scan(&n))
	require.Equal(t, 2, n)
}
