package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"ariga.io/atlas/sql/migrate"
	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/migdir"
)

// TestStatusKnowsTheSchemaIsAhead: run in the source tree, status compares
// each branch's ent schema with the migrations there. A plugin whose
// migration is missing (as after go generate without diff) is named, with
// the diff to run, and status exits 1, though the database is up to date
// with what the binary carries (issue 22, item 8).
func TestStatusKnowsTheSchemaIsAhead(t *testing.T) {
	t.Parallel()
	root := copyRepo(t)
	url := "sqlite://" + filepath.Join(t.TempDir(), "a.db")
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"apply", "--root", root, "--url", url}, &stdout, &stderr), "%s%s", &stdout, &stderr)
	stdout.Reset()
	require.Equal(t, 0, run([]string{"status", "--root", root, "--url", url}, &stdout, &stderr), "%s%s", &stdout, &stderr)
	require.NotContains(t, stdout.String(), "in the source tree")

	folder := filepath.Join(root, "plugins", "image", "migrations", "sqlite")
	files, _ := filepath.Glob(filepath.Join(folder, "2*.sql"))
	require.NotEmpty(t, files)
	for _, f := range files {
		require.NoError(t, os.Remove(f))
	}
	dir, err := migrate.NewLocalDir(folder)
	require.NoError(t, err)
	require.NoError(t, migdir.Rehash(dir))
	stdout.Reset()
	require.Equal(t, 1, run([]string{"status", "--root", root, "--url", url}, &stdout, &stderr), "%s%s", &stdout, &stderr)
	require.Contains(t, stdout.String(), `image: in the source tree, the ent schema is ahead of the migrations (a diff would create table "image__mediadata"): run go run ./cmd diff --branch image --name <description>`)
	require.NotContains(t, stdout.String(), "core: in the source tree")
}
