package dbdriver

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	cases := []struct {
		name, url, dialect, dsn, db string
	}{
		{"sqlite", "sqlite://.data/app.db", "sqlite", "file:.data/app.db?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_time_format=sqlite", ".data/app.db"},
		{"postgres", "postgres://postgres@127.0.0.1:5432/app?sslmode=disable", "postgres", "postgres://postgres@127.0.0.1:5432/app?sslmode=disable", "app"},
		{"mysql", "mysql://root:pw@127.0.0.1:3306/app", "mysql", "root:pw@tcp(127.0.0.1:3306)/app?parseTime=true", "app"},
		{"mariadb default port", "mariadb://root@db/app", "mysql", "root@tcp(db:3306)/app?parseTime=true", "app"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseURL(c.url)
			if err != nil {
				t.Fatal(err)
			}
			if got.Dialect != c.dialect || got.DSN != c.dsn || got.Database != c.db {
				t.Fatalf("ParseURL(%q) = %+v, want dialect %s dsn %s db %s", c.url, got, c.dialect, c.dsn, c.db)
			}
		})
	}
}

func TestParseURLErrors(t *testing.T) {
	for _, raw := range []string{"app.db", "oracle://x/y", "sqlite://"} {
		if _, err := ParseURL(raw); err == nil {
			t.Errorf("ParseURL(%q) succeeded, want an error", raw)
		}
	}
	_, err := ParseURL("oracle://u:secret@h/db")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("error %v must not show the password", err)
	}
}

// malformed are URLs whose password (always "Hunter2secret" in some form)
// must never be printed, whatever is wrong with them (issue 11, item 9).
var malformed = []string{
	"postgres://u:Hunter2secret@127.0.0.1:1/db?sslmode=disable",
	"postgres://u:Hunter2#secret@127.0.0.1:1/db",
	"postgres://u:Hunter2/secret@127.0.0.1:1/db",
	"postgres://u:1234/Hunter2secret@127.0.0.1:1/db",
	"postgres://u:Hunter2%zzsecret@127.0.0.1:1/db",
	"postgres://u:Hunter2secret@127.0.0.1:99999/db",
	"postgres://u:Hunter2secret@127.0.0.1:port/db",
	"postgres://u:Hunter2?secret@127.0.0.1:1/db",
	"postgres://u:Hunter2@secret@127.0.0.1:1/db",
	"postgres://u:Hunter2secret@[::1/db",
	"postgres://u@127.0.0.1:1/db?sslmode=disable&password=Hunter2secret",
	"postgres://u@127.0.0.1:1/db?password=Hunter2%zzsecret",
	"postgres://u@127.0.0.1:1/db?sslpassword=Hunter2secret#frag",
	"postgresql://u:Hunter2 secret@127.0.0.1:1/db",
	"mysql://root:Hunter2secret@127.0.0.1:1/app",
	"mysql://root:Hunter2#secret@127.0.0.1:1/app",
	"mysql://root:Hunter2/secret@127.0.0.1:1/app",
	"mysql://root:Hunter2%zzsecret@127.0.0.1:1/app",
	"mysql://root:Hunter2secret@127.0.0.1:99999/app",
	"mariadb://root@127.0.0.1:1/app?password=Hunter2secret",
	"oracle://u:Hunter2secret@h/db",
	"u:Hunter2secret@127.0.0.1:1/db",
	"sqlite://x.db?_auth_pass=Hunter2secret",
	"sqlite://?password=Hunter2secret",
}

func TestRedactNeverShowsTheSecret(t *testing.T) {
	for _, raw := range malformed {
		t.Run(raw, func(t *testing.T) {
			for _, s := range []string{Redact(raw), Scrub("error: "+raw+" "+decoded(raw), raw)} {
				for _, part := range []string{"Hunter2", "secret"} {
					if strings.Contains(s, part) {
						t.Errorf("%q shows %q", s, part)
					}
				}
			}
			if _, err := ParseURL(raw); err != nil && strings.Contains(err.Error(), "Hunter2") {
				t.Errorf("ParseURL error %q shows the password", err)
			}
		})
	}
	require := func(got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	require(Redact("postgres://u:pw@h:5432/db?sslmode=disable&password=x"), "postgres://u:xxxxx@h:5432/db?sslmode=disable&password=xxxxx")
	require(Redact("postgres://u:p#w@h/db"), "postgres://u:xxxxx@h/db")
	require(Redact("mysql://root@h:3306/app"), "mysql://root@h:3306/app")
}

func decoded(raw string) string {
	d, _ := url.PathUnescape(raw)
	return d
}

// TestExplainLocked: SQLITE_BUSY met after a command started (another
// process took the write lock) is explained as OpenWait explains a lock
// held before: locked by another process, wait and run again.
func TestExplainLocked(t *testing.T) {
	raw := fmt.Errorf("plugin %q: %w", "image", errors.New("sqlite: querying schemas: database is locked (5) (SQLITE_BUSY)"))
	err := ExplainLocked(raw)
	if !errors.Is(err, ErrLocked) || !errors.Is(err, raw) {
		t.Fatalf("ExplainLocked(%v) wraps neither ErrLocked nor the error: %v", raw, err)
	}
	if want := "locked by another process for longer than --lock-timeout: wait for that process to finish (or stop it), then run this again"; !strings.Contains(err.Error(), want) {
		t.Fatalf("ExplainLocked = %q, want it to say %q", err, want)
	}
	if ExplainLocked(err) != err {
		t.Fatal("an explained error is explained again")
	}
	other := errors.New("no such table: t")
	if ExplainLocked(other) != other || ExplainLocked(nil) != nil {
		t.Fatal("another error is changed")
	}
}
