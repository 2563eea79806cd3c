package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/internal/dbdriver"
	"github.com/plugmig/plugmig/internal/testdb"
)

// TestEndToEnd runs the scripts in testdata/e2e in a fresh copy of the
// repository (its tracked files), with the real go command: they scaffold
// a plugin, generate, diff, lint, apply on SQLite and PostgreSQL, change
// the schema, and remove the plugin. A script runs the CLI it built with
// go build -o .bin/plugmig ./cmd, as "plugmig". Skipped with -short.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("SKIPPED: end-to-end scripts build the repository copy with the go command; run without -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed: %v", err)
	}
	root := testdb.Root(t)
	files, err := exec.Command("git", "-C", root, "ls-files", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Skipf("SKIPPED: not a git checkout (%v)", err)
	}
	pg := testdb.Postgres(t)
	my := testdb.MySQL(t)
	name := newPluginName()
	goEnv := map[string]string{}
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOFLAGS", "GOPROXY", "GONOSUMDB", "GOTOOLCHAIN"} {
		out, _ := exec.Command(goBin, "env", k).Output()
		goEnv[k] = strings.TrimSpace(string(out))
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/e2e",
		Setup: func(env *testscript.Env) error {
			// The script's schema files name the plugin journal: rename
			// them to the plugin it adds ($P), before the repository's
			// files are copied next to them.
			if err := renamePlugin(env.WorkDir, name); err != nil {
				return err
			}
			for _, f := range strings.Split(strings.TrimSpace(string(files)), "\n") {
				if f == "" || strings.HasPrefix(f, "cmd/testdata/e2e/") {
					continue
				}
				b, err := os.ReadFile(filepath.Join(root, f))
				if err != nil {
					continue // deleted in the working tree
				}
				dst := filepath.Join(env.WorkDir, f)
				if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(dst, b, 0o644); err != nil {
					return err
				}
			}
			for k, v := range goEnv {
				env.Setenv(k, v)
			}
			// The script builds the CLI into .bin (first on PATH) once per
			// state of the sources. Until it does, "plugmig" is a stub that
			// fails: never this test binary's plugmig, built from other sources.
			bin := filepath.Join(env.WorkDir, ".bin")
			if err := os.MkdirAll(bin, 0o755); err != nil {
				return err
			}
			stub := "#!/bin/sh\necho 'e2e: build the CLI first: exec go build -ldflags=-w -o .bin/plugmig ./cmd' >&2\nexit 2\n"
			if err := os.WriteFile(filepath.Join(bin, "plugmig"), []byte(stub), 0o755); err != nil {
				return err
			}
			env.Setenv("PATH", bin+string(os.PathListSeparator)+filepath.Dir(goBin)+string(os.PathListSeparator)+os.Getenv("PATH"))
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("CI", os.Getenv("CI"))
			env.Setenv("DEV_URL_POSTGRES", testdb.PostgresAdmin)
			env.Setenv("DEV_URL_MYSQL", testdb.MySQLDevURL())
			env.Setenv("PGURL", pg.URL)
			env.Setenv("MYURL", my.URL)
			env.Setenv("P", name)
			setBranchEnv(t, env)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"coredump": coreDump,
			"sqlexec":  sqlExec,
		},
	})
}

// newPluginName is the name of the plugin the scripts add: journal (the
// guide's example), or journal2, journal3, ... when the repository already
// registers a plugin of that name, as a project that followed the guide
// does (TestAddedPluginKeepsTestsGreen).
func newPluginName() string {
	names := plugin.Default().Names()
	name := "journal"
	for n := 2; slices.Contains(names, name); n++ {
		name = fmt.Sprintf("journal%d", n)
	}
	return name
}

// renamePlugin rewrites the Go files at the top of dir (the script's own
// files) from the plugin journal to name: "journal" in table names,
// package names and paths, "Journal" in type names.
func renamePlugin(dir, name string) error {
	if name == "journal" {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	goName := strings.ToUpper(name[:1]) + name[1:]
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".go" {
			continue
		}
		f := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		s := strings.ReplaceAll(strings.ReplaceAll(string(b), "journal", name), "Journal", goName)
		if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// sqlExec runs one statement (args[1]) on the database at args[0]; its
// error goes to stderr. With !, the statement must fail.
func sqlExec(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sqlexec <url> <statement>")
	}
	ctx := context.Background()
	_, db, err := dbdriver.Open(ctx, args[0])
	ts.Check(err)
	defer db.Close()
	_, err = db.ExecContext(ctx, args[1])
	switch {
	case err != nil && neg:
		fmt.Fprintln(ts.Stderr(), err)
	case err != nil:
		ts.Fatalf("%s: %v", args[1], err)
	case neg:
		ts.Fatalf("%s: succeeded, want an error", args[1])
	}
}

// coreDump writes every core__ table's definition and rows of the database
// at args[0] to the file args[1], to compare byte for byte.
func coreDump(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: coredump <url> <file>")
	}
	ctx := context.Background()
	target, db, err := dbdriver.Open(ctx, args[0])
	ts.Check(err)
	defer db.Close()
	var tables []string
	q := "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'core\\_\\_%'"
	if target.Dialect == "sqlite" {
		q = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'core\\_\\_%' ESCAPE '\\'"
	}
	rows, err := db.QueryContext(ctx, q)
	ts.Check(err)
	for rows.Next() {
		var n string
		ts.Check(rows.Scan(&n))
		tables = append(tables, n)
	}
	rows.Close()
	sort.Strings(tables)
	var b strings.Builder
	for _, tb := range tables {
		fmt.Fprintf(&b, "%s\n", tb)
		dumpRows(ts, db, "SELECT * FROM "+tb, &b)
		if target.Dialect == "sqlite" {
			dumpRows(ts, db, "SELECT sql FROM sqlite_master WHERE tbl_name = '"+tb+"' ORDER BY name", &b)
		} else {
			dumpRows(ts, db, "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '"+tb+"' ORDER BY ordinal_position", &b)
			dumpRows(ts, db, "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = '"+tb+"' ORDER BY indexname", &b)
			dumpRows(ts, db, "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '"+tb+"'::regclass ORDER BY conname", &b)
		}
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(b.String()), 0o644))
}

func dumpRows(ts *testscript.TestScript, db *sql.DB, q string, b *strings.Builder) {
	lines, err := testdb.Rows(db, q)
	ts.Check(err)
	for _, l := range lines {
		fmt.Fprintf(b, "  %s\n", l)
	}
}
