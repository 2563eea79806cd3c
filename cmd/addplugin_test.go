package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/internal/testdb"
)

// addPluginEnv runs TestAddedPluginKeepsTestsGreen when set to 1 (.ci/run
// does not, see its comment). The test runs the repository's whole test suite once more, in a
// copy (about 10 minutes on two cores), so go test ./... alone skips it.
const addPluginEnv = "PLUGMIG_TEST_ADD_PLUGIN"

// TestAddedPluginKeepsTestsGreen adds a plugin to a copy of the repository
// the way docs/plugin-guide.md says (plugin new, go generate, diff, atlas
// sync) and runs go test ./... there: every test of the repository derives
// the plugins from what is registered, so a project that adds one stays
// green. The plugin is "journal" (it sorts among the example plugins, not
// after them) with the guide's enum example (mood.go, taken from the
// guide), whose column diff writes per dialect is checked. Then it removes
// the plugin's code by the guide (section 9): go generate ./... exits 0 and
// the copy is as committed.
func TestAddedPluginKeepsTestsGreen(t *testing.T) {
	if os.Getenv(addPluginEnv) != "1" {
		t.Skipf("SKIPPED: runs the whole suite again in a copy with a plugin added (~10 min); set %s=1", addPluginEnv)
	}
	dir := copyRepo(t)
	env := append(os.Environ(), addPluginEnv+"=0",
		"DEV_URL_POSTGRES="+testdb.PostgresAdmin, "DEV_URL_MYSQL="+testdb.MySQLDevURL())
	for _, args := range [][]string{
		{"git", "init", "-q", "-b", "main"},
		{"git", "add", "-A"},
		{"git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "copy"},
		{"go", "run", "./cmd", "plugin", "new", "journal"},
		{"write-guide-file", "plugins/journal/schema/mood.go"},
		{"go", "generate", "./..."},
		{"go", "run", "./cmd", "diff", "--branch", "journal", "--name", "initial"},
		{"check-enum"},
		{"go", "run", "./cmd", "atlas", "sync"},
		{"go", "test", "-count=1", "-timeout", "30m", "./..."},
		// Remove its code again, as the guide's section 9 says: generation
		// deletes the ent code of its types and exits 0 (issue 22, item 2).
		{"rm", "-r", "plugins/journal"},
		{"sed", "-i", `/plugins\/journal"/d`, "plugins/plugins.go"},
		{"go", "generate", "./..."},
		{"go", "run", "./cmd", "atlas", "sync"},
		{"go", "vet", "./..."},
		{"go", "run", "./cmd", "diff", "--check"},
		{"go", "test", "-count=1", "-run", "TestAtlasHCLIsCurrent|TestApplyFreshThenNothing", "./internal/app"},
		{"git", "status", "--porcelain"},
	} {
		switch args[0] {
		case "write-guide-file":
			require.NoError(t, os.WriteFile(filepath.Join(dir, args[1]), guideFile(t, dir, args[1]), 0o644))
			continue
		case "check-enum":
			checkEnum(t, dir)
			continue
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s:\n%s", strings.Join(args, " "), out)
		if args[0] == "git" && args[1] == "status" {
			require.Empty(t, string(out), "with the plugin's code removed, the copy is as committed")
		}
		t.Logf("%s: ok", strings.Join(args, " "))
	}
}

// copyRepo copies the repository's tracked and new files into a temporary
// folder and returns it; it skips outside a git checkout.
func copyRepo(t *testing.T) string {
	t.Helper()
	root := testdb.Root(t)
	files, err := exec.Command("git", "-C", root, "ls-files", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Skipf("SKIPPED: not a git checkout (%v)", err)
	}
	dst := t.TempDir()
	for _, f := range strings.Split(strings.TrimSpace(string(files)), "\n") {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue // deleted in the working tree
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dst, f)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dst, f), b, 0o644))
	}
	return dst
}

// guideFile returns the code block of docs/plugin-guide.md whose first
// line is the comment naming path.
func guideFile(t *testing.T, root, path string) []byte {
	t.Helper()
	guide, err := os.ReadFile(filepath.Join(root, "docs", "plugin-guide.md"))
	require.NoError(t, err)
	start := "```go\n// " + path + "\n"
	i := strings.Index(string(guide), start)
	require.GreaterOrEqual(t, i, 0, "the guide has a block for %s", path)
	body := string(guide)[i+len(start):]
	return []byte(body[:strings.Index(body, "```")])
}

// checkEnum reads the first migration diff wrote for the guide's enum
// (journal__moods.mood): an ENUM of the values on MySQL, varchar on
// PostgreSQL and text on SQLite with a CHECK constraint on the values
// named journal__moods_mood_check, each with the default, as the guide
// says. (The e2e script, which go test ./... runs in the copy with a plugin
// journal2, inserts a value outside such an enum on each dialect.)
func checkEnum(t *testing.T, root string) {
	t.Helper()
	for d, want := range map[string]string{
		"mysql":    "`mood` enum('calm','glad','sad') NOT NULL DEFAULT 'calm'",
		"postgres": `"mood" character varying NOT NULL DEFAULT 'calm', PRIMARY KEY ("id"), CONSTRAINT "journal__moods_mood_check" CHECK ("mood" IN ('calm', 'glad', 'sad'))`,
		"sqlite":   "`mood` text NOT NULL DEFAULT ('calm'), CONSTRAINT `journal__moods_mood_check` CHECK (\"mood\" IN ('calm', 'glad', 'sad'))",
	} {
		files, _ := filepath.Glob(filepath.Join(root, "plugins", "journal", "migrations", d, "*_initial.sql"))
		require.Len(t, files, 1, d)
		b, err := os.ReadFile(files[0])
		require.NoError(t, err)
		require.Contains(t, string(b), want, "%s:\n%s", d, b)
	}
}
