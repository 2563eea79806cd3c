package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/internal/dbdriver"
	"github.com/plugmig/plugmig/internal/testdb"
)

// nextEnv is a module root under git and a SQLite database, driven through
// the CLI as a user would.
type nextEnv struct {
	t        *testing.T
	root, db string
}

func (e *nextEnv) cli(args ...string) (string, int) {
	e.t.Helper()
	switch args[0] {
	case "apply", "status", "baseline", "history", "plugin", "adopt", "drift":
		args = append(args, "--url", "sqlite://"+e.db, "--from-root")
	}
	args = append(args, "--root", e.root)
	var out bytes.Buffer
	code := run(args, &out, &out)
	return out.String(), code
}

func (e *nextEnv) mustCLI(args ...string) string {
	e.t.Helper()
	out, code := e.cli(args...)
	require.Equal(e.t, 0, code, "plugmig %s:\n%s", strings.Join(args, " "), out)
	return out
}

func (e *nextEnv) git(args ...string) {
	e.t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
	cmd.Dir = e.root
	out, err := cmd.CombinedOutput()
	require.NoError(e.t, err, "git %s: %s", strings.Join(args, " "), out)
}

func (e *nextEnv) write(rel, body string) {
	e.t.Helper()
	require.NoError(e.t, os.WriteFile(filepath.Join(e.root, rel), []byte(body), 0o644))
}

func (e *nextEnv) sql(query string) {
	e.t.Helper()
	db, err := sql.Open("sqlite3", dbdriver.SQLiteDSN(e.db))
	require.NoError(e.t, err)
	defer db.Close()
	_, err = db.Exec(query)
	require.NoError(e.t, err, query)
}

func (e *nextEnv) status() []apply.BranchStatus {
	e.t.Helper()
	out, _ := e.cli("status", "--json")
	var st []apply.BranchStatus
	require.NoError(e.t, json.Unmarshal([]byte(out[strings.Index(out, "["):]), &st), out)
	return st
}

// stuck returns the first branch that needs work or is unknown.
func stuck(st []apply.BranchStatus) *apply.BranchStatus {
	for i, s := range st {
		if s.NeedsWork() || s.State == apply.StateUnknown {
			return &st[i]
		}
	}
	return nil
}

// runNext runs a status's Next as the user would: the engine's commands
// in-process, git and mv in the root. "fix X, then ..." is done by fix.
func (e *nextEnv) runNext(next string, fix func()) {
	e.t.Helper()
	if strings.HasPrefix(next, "fix ") {
		require.NotNil(e.t, fix, "status asks for a fix: %s", next)
		fix()
		_, next, _ = strings.Cut(next, "then ")
	}
	for _, part := range strings.Split(next, " && ") {
		f := strings.Fields(part)
		switch {
		case strings.HasPrefix(part, "go run ./cmd "):
			e.mustCLI(f[3:]...)
		case f[0] == "git":
			e.git(f[1:]...)
		case f[0] == "mv":
			require.NoError(e.t, os.Rename(filepath.Join(e.root, f[1]), filepath.Join(e.root, f[2])))
		default:
			e.t.Fatalf("status names a command the user cannot run: %q", part)
		}
	}
}

const imageSQLite = "plugins/image/migrations/sqlite/"

// TestEveryStatusStateNamesItsWayOut goes over the states status can show:
// in each, it runs the one command status names (after the edit it asks
// for, if any) and checks that it gets out of that state, step by step,
// until every branch is up to date (issue 11, item 7).
func TestEveryStatusStateNamesItsWayOut(t *testing.T) {
	cases := []struct {
		name  string
		setup func(e *nextEnv)
		want  string // the first Next status names
		fix   func(e *nextEnv)
	}{
		{"pending files", func(e *nextEnv) {
			e.db = filepath.Join(e.t.TempDir(), "fresh.db")
			e.mustCLI("apply", "--plugins", "none")
		}, "go run ./cmd apply", nil},
		{"failed file", func(e *nextEnv) {
			e.write(imageSQLite+"29990101000000_bad.sql", "ALTER TABLE image__nope ADD COLUMN x int;\n")
			e.mustCLI("hash")
			_, code := e.cli("apply")
			require.Equal(e.t, 1, code)
		}, "fix plugins/image/migrations/sqlite/29990101000000_bad.sql (the statement that failed: ALTER TABLE image__nope ADD COLUMN x int;), then go run ./cmd hash && go run ./cmd apply", func(e *nextEnv) {
			// The loop: the failed file replaced by a comment-only one.
			e.write(imageSQLite+"29990101000000_bad.sql", "-- moved to the next release\n")
		}},
		{"file failed on the rows in the database", func(e *nextEnv) {
			e.write(imageSQLite+"29990101000000_dups.sql", "CREATE TABLE image__dups (x integer);\nINSERT INTO image__dups VALUES (1), (1);\n")
			e.write(imageSQLite+"29990102000000_unique.sql", "CREATE UNIQUE INDEX image__dups_x ON image__dups (x);\n")
			e.mustCLI("hash")
			_, code := e.cli("apply")
			require.Equal(e.t, 1, code)
		}, "fix the rows that break plugins/image/migrations/sqlite/29990102000000_unique.sql (the statement that failed: CREATE UNIQUE INDEX image__dups_x ON image__dups (x);", func(e *nextEnv) {
			e.sql("DELETE FROM image__dups WHERE rowid > (SELECT min(rowid) FROM image__dups)")
		}},
		{"file added without hash", func(e *nextEnv) {
			e.write(imageSQLite+"29990101000000_x.sql", "CREATE TABLE image__x (id int);\n")
		}, "go run ./cmd hash", nil},
		{"applied file edited", func(e *nextEnv) {
			files, _ := filepath.Glob(filepath.Join(e.root, imageSQLite, "*_initial.sql"))
			b, _ := os.ReadFile(files[0])
			require.NoError(e.t, os.WriteFile(files[0], append(b, "-- edited\n"...), 0o644))
			e.mustCLI("hash")
		}, "git checkout -- " + imageSQLite, nil},
		{"applied file deleted", func(e *nextEnv) {
			files, _ := filepath.Glob(filepath.Join(e.root, imageSQLite, "*_initial.sql"))
			require.NoError(e.t, os.Remove(files[0]))
			e.mustCLI("hash")
		}, "git checkout -- " + imageSQLite, nil},
		{"file merged out of order", func(e *nextEnv) {
			e.write(imageSQLite+"20000101000000_early.sql", "CREATE TABLE image__early (id int);\n")
			e.mustCLI("hash")
		}, "mv " + imageSQLite + "20000101000000_early.sql " + imageSQLite, nil},
		{"tables without history", func(e *nextEnv) {
			e.sql("DELETE FROM plugmig_history WHERE branch = 'image'")
		}, "go run ./cmd adopt", nil},
		{"file drops data", func(e *nextEnv) {
			e.write(imageSQLite+"29990101000000_notes.sql", "CREATE TABLE image__notes (id integer PRIMARY KEY);\nINSERT INTO image__notes VALUES (1);\n")
			e.mustCLI("hash")
			e.mustCLI("apply")
			e.write(imageSQLite+"29990102000000_drop.sql", "DROP TABLE image__notes;\n")
			e.mustCLI("hash")
		}, "go run ./cmd apply --allow-data-loss", nil},
		{"branch unknown to this build", func(e *nextEnv) {
			e.sql(`INSERT INTO plugmig_history (branch, version, description, type, applied, total, executed_at, duration_us, hash, operator_version)
				VALUES ('oldplugin', '20200101000000', 'initial', 'applied', 1, 1, '2020-01-01T00:00:00.000000000Z', 10, 'h1:x', 'plugmig')`)
		}, "go run ./cmd plugin remove oldplugin --yes", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := &nextEnv{t: t, root: testdb.CopyRoot(t), db: filepath.Join(t.TempDir(), "app.db")}
			e.git("init", "-q")
			e.mustCLI("apply")
			e.git("add", "-A")
			e.git("commit", "-qm", "applied")
			c.setup(e)
			first := true
			for step := 0; ; step++ {
				require.Less(t, step, 4, "status keeps naming commands that do not get out: %+v", e.status())
				s := stuck(e.status())
				if s == nil {
					break
				}
				require.NotEmpty(t, s.Next, "state without a way out: %+v", *s)
				if first {
					require.Contains(t, s.Next, c.want)
					first = false
				}
				var fix func()
				if c.fix != nil {
					fix = func() { c.fix(e) }
				}
				e.runNext(s.Next, fix)
				after := stuck(e.status())
				if after != nil && after.Branch == s.Branch {
					require.False(t, after.Next == s.Next && after.Problem == s.Problem && after.Failed == s.Failed, "%q did not get out of the state: %+v", s.Next, *after)
				}
			}
			require.False(t, first, "the case reached a state status reports")
			out, code := e.cli("status")
			require.Equal(t, 0, code, out)
		})
	}
}

// TestBaselineChecksTheTables (issue 21, item 6): baseline checks the
// branch's tables against the version it is to record, as adopt does:
// the head over tables at an older version is refused, naming the missing
// column; the right version is recorded with the time it was recorded.
func TestBaselineChecksTheTables(t *testing.T) {
	t.Parallel()
	e := &nextEnv{t: t, root: testdb.CopyRoot(t), db: filepath.Join(t.TempDir(), "app.db")}
	e.mustCLI("apply")
	files, _ := filepath.Glob(filepath.Join(e.root, imageSQLite, "*_initial.sql"))
	require.Len(t, files, 1)
	initial := strings.SplitN(filepath.Base(files[0]), "_", 2)[0]
	e.sql("DELETE FROM plugmig_history WHERE branch = 'image'")
	e.write(imageSQLite+"29990101000000_caption.sql", "ALTER TABLE image__mediadata ADD COLUMN caption varchar(255) NULL;\n")
	e.mustCLI("hash")

	out, code := e.cli("baseline", "--branch", "image", "--version", "29990101000000")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "does not match version 29990101000000 caption")
	require.Contains(t, out, `image__mediadata: column "caption" missing`)
	require.Contains(t, out, `branch "image": does not match version 29990101000000, 1 difference(s)); nothing was recorded`)
	require.Contains(t, out, "go run ./cmd adopt --url 'sqlite://"+e.db+"' --branch image --version 29990101000000 --accept")

	out = e.mustCLI("baseline", "--branch", "image", "--version", initial)
	require.Contains(t, out, "image: baselined at "+initial+" in sqlite://")
	out = e.mustCLI("history", "--branch", "image")
	require.Contains(t, out, initial)
	require.NotContains(t, out, "0001-01-01", "the baseline row carries its time")
}
