package dbdriver

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	cases := []struct {
		name, url, dialect, dsn, db string
	}{
		{"sqlite", "sqlite://.data/app.db", "sqlite", "file:.data/app.db?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)", ".data/app.db"},
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
