package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plugmig/plugmig/internal/testdb"
)

// secretURLs are database URLs whose password (always "Hunter2Zq9x", or
// split by a character that breaks parsing) must never be printed.
var secretURLs = []string{
	"postgres://u:Hunter2Zq9x@127.0.0.1:1/db?sslmode=disable",
	"postgres://u:Hunter2#Zq9x@127.0.0.1:1/db",
	"postgres://u:Hunter2/Zq9x@127.0.0.1:1/db",
	"postgres://u:1234/Hunter2Zq9x@127.0.0.1:1/db",
	"postgres://u:Hunter2%zzZq9x@127.0.0.1:1/db",
	"postgres://u:Hunter2Zq9x@127.0.0.1:99999/db",
	"postgres://u:Hunter2Zq9x@127.0.0.1:port/db",
	"postgres://u:Hunter2?Zq9x@127.0.0.1:1/db",
	"postgres://u:Hunter2@Zq9x@127.0.0.1:1/db",
	"postgres://u:Hunter2Zq9x@[::1/db",
	"postgres://u@127.0.0.1:1/db?sslmode=disable&password=Hunter2Zq9x",
	"postgres://u@127.0.0.1:1/db?password=Hunter2%zzZq9x",
	"postgresql://u:Hunter2 Zq9x@127.0.0.1:1/db",
	"mysql://root:Hunter2Zq9x@127.0.0.1:1/app",
	"mysql://root:Hunter2#Zq9x@127.0.0.1:1/app",
	"mysql://root:Hunter2/Zq9x@127.0.0.1:1/app",
	"mysql://root:Hunter2%zzZq9x@127.0.0.1:1/app",
	"mysql://root:Hunter2Zq9x@127.0.0.1:99999/app",
	"mariadb://root@127.0.0.1:1/app?password=Hunter2Zq9x",
	"oracle://u:Hunter2Zq9x@h/db",
	"u:Hunter2Zq9x@127.0.0.1:1/db",
}

// TestNoSecretPrinted runs every command that takes a database URL with
// URLs that do not parse, do not connect, or carry the password as a query
// parameter, and checks that no part of the password reaches stdout or
// stderr (issue 11, item 9).
func TestNoSecretPrinted(t *testing.T) {
	urls := append([]string{}, secretURLs...)
	if ok, _ := testdb.Servers(); ok {
		// Reachable servers: PostgreSQL trusts any password, so these run;
		// MariaDB refuses root's wrong password.
		pg := testdb.Postgres(t)
		urls = append(urls,
			strings.Replace(pg.URL, "postgres@", "postgres:Hunter2Zq9x@", 1)+"&password=Hunter2Zq9x",
			"mysql://root:Hunter2Zq9x@127.0.0.1:3306/test",
		)
	}
	reachable := ""
	if len(urls) > len(secretURLs) {
		reachable = urls[len(secretURLs)]
	}
	sqlite := "sqlite://" + filepath.Join(t.TempDir(), "app.db") + "?_auth_pass=Hunter2Zq9x"
	urls = append(urls, sqlite)
	for _, u := range urls {
		dialect := "postgres"
		if strings.HasPrefix(u, "m") {
			dialect = "mysql"
		}
		cmds := [][]string{
			{"apply", "--url", u},
			{"apply", "--json", "--url", u},
			{"apply", "--dry-run", "--json", "--url", u},
			{"status", "--url", u},
			{"status", "--json", "--url", u},
			{"history", "--url", u},
			{"lint", "--dialects", dialect, "--dev-url", dialect + "=" + u},
			{"diff", "--check", "--dialects", dialect, "--dev-url", dialect + "=" + u},
		}
		if u == reachable {
			cmds = cmds[:6] // a full lint or diff replay proves nothing more here
		}
		for _, args := range cmds {
			t.Run(strings.Join(args[:len(args)-1], " ")+" "+u, func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				run(args, &stdout, &stderr)
				for _, out := range []string{stdout.String(), stderr.String()} {
					for _, part := range []string{"Hunter2", "Zq9x"} {
						if strings.Contains(out, part) {
							t.Errorf("%s printed %q:\n%s", args[0], part, out)
						}
					}
				}
			})
		}
		t.Run("DATABASE_URL "+u, func(t *testing.T) {
			t.Setenv("DATABASE_URL", u)
			var stdout, stderr bytes.Buffer
			run([]string{"status"}, &stdout, &stderr)
			if out := stdout.String() + stderr.String(); strings.Contains(out, "Hunter2") || strings.Contains(out, "Zq9x") {
				t.Errorf("status printed the password:\n%s", out)
			}
		})
	}
}
