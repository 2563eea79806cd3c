package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/internal/testdb"
)

// TestStatusNamesAtlasMigrateSet: on a database whose atlas CLI history
// (atlas_schema_revisions) is behind the core version plugmig applied,
// status names the CLI's command that records it there, and says nothing
// once the CLI's table holds it.
func TestStatusNamesAtlasMigrateSet(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	root := testdb.Root(t)
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"apply", "--root", root, "--url", db.URL}, &stdout, &stderr), "%s", &stderr)
	_, err := db.DB.Exec(`CREATE TABLE atlas_schema_revisions (version text NOT NULL, description text NOT NULL, type integer NOT NULL DEFAULT 2, applied integer NOT NULL DEFAULT 0, total integer NOT NULL DEFAULT 0, executed_at datetime NOT NULL, execution_time integer NOT NULL, error text NULL, error_stmt text NULL, hash text NOT NULL, partial_hashes json NULL, operator_version text NOT NULL, PRIMARY KEY (version))`)
	require.NoError(t, err)
	var head string
	require.NoError(t, db.DB.QueryRow(`SELECT max(version) FROM plugmig_history WHERE branch = 'core'`).Scan(&head))

	stdout.Reset()
	stderr.Reset()
	require.Equal(t, 0, run([]string{"status", "--root", root, "--url", db.URL}, &stdout, &stderr), "%s", &stderr)
	require.Contains(t, stdout.String(), "core: core is at "+head+" here, and the atlas CLI's history")
	require.Contains(t, stdout.String(), "run atlas migrate set "+head+" --env core --url")

	_, err = db.DB.Exec(`INSERT INTO atlas_schema_revisions (version, description, type, applied, total, executed_at, execution_time, hash, operator_version) VALUES (?, 'initial', 4, 0, 0, '2026-12-07 00:00:00', 0, 'h', 'atlas')`, head)
	require.NoError(t, err)
	stdout.Reset()
	require.Equal(t, 0, run([]string{"status", "--root", root, "--url", db.URL}, &stdout, &stderr), "%s", &stderr)
	require.NotContains(t, stdout.String(), "atlas migrate set")
}
