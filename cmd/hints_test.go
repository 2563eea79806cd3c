package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/internal/testdb"
)

// TestHintsNameTheTarget (issue 22): a command a message names to run next
// on the database carries the --url and --plugins this command was given,
// so that, copied as printed, it works on the same database and never on
// the default one; one that already names its database is left alone.
func TestHintsNameTheTarget(t *testing.T) {
	t.Parallel()
	url := "sqlite://" + filepath.Join(t.TempDir(), "a.db")
	root := testdb.Root(t)
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"apply", "--root", root, "--url", url, "--plugins", "none"}, &stdout, &stderr), "%s%s", &stdout, &stderr)
	stdout.Reset()
	require.Equal(t, 1, run([]string{"status", "--root", root, "--url", url, "--plugins", "image"}, &stdout, &stderr), "%s%s", &stdout, &stderr)
	require.Contains(t, stdout.String(), "pending work: run go run ./cmd apply --url '"+url+"' --plugins image\n")
	require.Contains(t, stdout.String(), "go run ./cmd drift --url '"+url+"'\n", "a command that names its database already is left as it is")

	// A URL with a password: never printed.
	stdout.Reset()
	w := withTargetFlags(&stdout, &Target{URL: "postgres://u:secret@127.0.0.1:1/x"}, nil)
	_, err := w.Write([]byte("run go run ./cmd plugin remove image --yes, then go run ./cmd hash\n"))
	require.NoError(t, err)
	require.Equal(t, "run go run ./cmd plugin remove image --url <this database's URL> --yes, then go run ./cmd hash\n", stdout.String(), "never a password; hash works on files, not a database")
}

// TestStatusRestoresOnlyWhatGitKnows (issue 22): an applied file edited by
// hand is restored with git checkout when git knows it; when it does not
// (written since the last commit), status says so instead of a git command
// that fails.
func TestStatusRestoresOnlyWhatGitKnows(t *testing.T) {
	t.Parallel()
	root := copyRepo(t)
	git := func(args ...string) {
		out, err := exec.Command("git", append([]string{"-C", root, "-c", "user.email=t@t", "-c", "user.name=t"}, args...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-qm", "copy")
	url := "sqlite://" + filepath.Join(t.TempDir(), "a.db")
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"apply", "--root", root, "--url", url, "--plugins", "image"}, &stdout, &stderr), "%s%s", &stdout, &stderr)
	files, _ := filepath.Glob(filepath.Join(root, "plugins", "image", "migrations", "sqlite", "2*.sql"))
	require.NotEmpty(t, files)
	f := files[len(files)-1]
	rel, _ := filepath.Rel(root, f)
	b, err := os.ReadFile(f)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(f, append(b, "-- edited\n"...), 0o644))

	status := func() string {
		stdout.Reset()
		require.Equal(t, 1, run([]string{"status", "--root", root, "--from-root", "--url", url, "--plugins", "image"}, &stdout, &stderr), "%s%s", &stdout, &stderr)
		return stdout.String()
	}
	require.Contains(t, status(), "image: next: git checkout -- "+rel+" && go run ./cmd hash\n")
	git("rm", "-q", "--cached", rel)
	require.Contains(t, status(), "image: next: put "+rel+" back as it was applied, by hand: git does not know the file, so git checkout cannot restore it (commit migrations once written), then go run ./cmd hash\n")
}
