package app_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPostgresOwnTableInsertInOneRun: a plugin file that creates its own
// table and inserts into it passes when applied in the same run as core's
// files (row statistics of earlier transactions in the session are not
// blamed on it).
func TestPostgresOwnTableInsertInOneRun(t *testing.T) {
	t.Parallel()
	e := newApplyEnv(t, "postgres")
	e.addFile("image", "29990101000000_notes.sql", "CREATE TABLE image__notes (id integer NOT NULL PRIMARY KEY, body text NULL);\nINSERT INTO image__notes (id, body) VALUES (1, 'x');\nUPDATE image__notes SET body = 'y';\n", true)
	_, err := e.migrator().Apply(context.Background())
	require.NoError(t, err)
}
