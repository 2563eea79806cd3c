package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/internal/testdb"
)

// TestReadOnlyDatabase: applying to a database that refuses writes says
// so, and that the migration needs no fix — not "fix the statement, run
// hash" — on every dialect; nothing is recorded (issue 11, item 10).
func TestReadOnlyDatabase(t *testing.T) {
	t.Parallel()
	readOnly := map[string]func(string) string{
		"sqlite":   func(u string) string { return u + "?mode=ro" },
		"postgres": func(u string) string { return u + "&default_transaction_read_only=on" },
		"mysql":    func(u string) string { return u + "?tx_read_only=1" },
	}
	for _, d := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, d)
			root := testdb.CopyRoot(t)
			cli := func(args ...string) (int, string, string) {
				var stdout, stderr bytes.Buffer
				code := run(append([]string{"--root", root}, args...), &stdout, &stderr)
				return code, stdout.String(), stderr.String()
			}
			url := db.URL
			code, _, stderr := cli("apply", "--url", url)
			require.Equal(t, 0, code, stderr)
			dir := filepath.Join(root, "plugins/image/migrations", d)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "29990101000000_x.sql"), []byte("CREATE TABLE image__extra (id integer);\n"), 0o644))
			code, _, stderr = cli("hash", "--dialects", d)
			require.Equal(t, 0, code, stderr)
			_, before, _ := cli("history", "--url", url)

			code, _, stderr = cli("apply", "--from-root", "--url", readOnly[d](url))
			require.Equal(t, 1, code)
			require.Contains(t, stderr, "the database refuses writes: it is read-only")
			require.Contains(t, stderr, "Nothing is wrong with the migration")
			require.NotContains(t, stderr, "fix the statement")
			require.NotContains(t, stderr, "run go run ./cmd hash")
			_, after, _ := cli("history", "--url", url)
			require.Equal(t, before, after, "nothing recorded")
		})
	}
}
