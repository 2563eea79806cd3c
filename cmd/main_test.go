package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/internal/dbdriver"
	"github.com/plugmig/plugmig/internal/testdb"
)

func TestMain(m *testing.M) {
	if os.Getenv("PLUGMIG_TEST_AS_CLI") == "1" {
		// The test binary acts as plugmig for tests that need processes.
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	if filepath.Base(os.Args[0]) != "plugmig" { // not a script's exec plugmig
		// What a panicking test leaves on the servers is dropped when the run ends.
		if code, supervised := testdb.Supervise(); supervised {
			os.Exit(code)
		}
		testdb.RaiseParallel()
	}
	testscript.Main(m, map[string]func(){
		"plugmig": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI scripts in testdata/script in-process. Each
// script's $WORK is a module root holding a copy of the repository's
// migration folders, with the dev URLs pointing at the local servers.
// Scripts that need the servers start with "[!servers] skip".
func TestScripts(t *testing.T) {
	t.Parallel()
	servers, reason := testdb.Servers()
	if !servers {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the database servers are required under CI=true: %s", reason)
		}
		t.Logf("SKIPPING the scripts that need database servers: %s", reason)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "servers":
				return servers, nil
			case "offbydefault": // a registered plugin is DisabledByDefault
				return len(plugin.Default().OffByDefault()) > 0, nil
			}
			return false, nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sqlite": sqliteCmd,
		},
		Setup: func(env *testscript.Env) error {
			env.Setenv("DEV_URL_POSTGRES", testdb.PostgresAdmin)
			env.Setenv("DEV_URL_MYSQL", testdb.MySQLDevURL())
			env.Setenv("NO_COLOR", "1")
			setBranchEnv(t, env)
			mg, err := filepath.Abs("../internal/app/testdata/mediagoblin_v0.15_default_plus_yourplugin.sqlite")
			if err != nil {
				return err
			}
			env.Setenv("MEDIAGOBLIN_DB", mg) // a real MediaGoblin v0.15 database: copy it, never write it
			return testdb.CopyMigrations("..", env.WorkDir)
		},
	})
}

// sqliteCmd runs one SQL statement on a SQLite file of the script:
// sqlite <file> <statement>. Scripts use it to break a database on purpose,
// or to read it: the rows a query returns go to stdout, one line each, the
// values separated by "|".
func sqliteCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sqlite <file> <statement>")
	}
	db, err := sql.Open("sqlite3", dbdriver.SQLiteDSN(ts.MkAbs(args[0])))
	ts.Check(err)
	defer db.Close()
	rows, err := db.Query(args[1])
	if err == nil {
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err = rows.Scan(ptrs...); err != nil {
				break
			}
			line := make([]string, len(vals))
			for i, v := range vals {
				line[i] = fmt.Sprintf("%v", v)
				if b, ok := v.([]byte); ok {
					line[i] = string(b)
				}
			}
			fmt.Fprintln(ts.Stdout(), strings.Join(line, "|"))
		}
		if err == nil {
			err = rows.Err()
		}
		rows.Close()
	}
	if neg {
		if err == nil {
			ts.Fatalf("sqlite: %s succeeded", args[1])
		}
		return
	}
	ts.Check(err)
}
