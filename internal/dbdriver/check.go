package dbdriver

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Limits of a SQLite path that CheckTarget accepts: PATH_MAX and NAME_MAX
// of Linux, the smallest of the systems plugmig runs on.
const (
	maxPath     = 4096
	maxPathPart = 255
)

// invalidUTF8 refuses a URL that is not valid UTF-8: drivers would read
// another name than the one given (the SQLite driver turns the bytes into
// U+FFFD and creates that file). The URL is not echoed: it may not print.
func invalidUTF8(raw string) error {
	if utf8.ValidString(raw) {
		return nil
	}
	i := 0
	for i < len(raw) {
		r, n := utf8.DecodeRuneInString(raw[i:])
		if r == utf8.RuneError && n == 1 {
			break
		}
		i += n
	}
	return fmt.Errorf("database URL %q... is not valid UTF-8 (byte %d): it would name another database than the one meant; give the path or name in UTF-8 (rename the file if its name is not)", redact(short(raw[:i])), i+1)
}

// Shorten returns s whole when a message can show it, or else its start
// followed by "...": a path or name given by the user may be any length.
func Shorten(s string) string {
	if c := short(s); c != s {
		return c + "..."
	}
	return s
}

// short cuts s to a length an error message can show.
func short(s string) string {
	if len(s) <= 60 {
		return s
	}
	cut := 60
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// CheckTarget refuses, before anything connects, a URL of a database to
// migrate that names no database: a PostgreSQL or MySQL URL without a
// database name (the server would pick one: postgres, the user's, or none),
// or a SQLite path that is too long, that is a folder, or (create: the
// file is about to be created) whose folder does not exist. Each error says
// what to write instead.
func CheckTarget(t Target, raw string, create bool) error {
	switch t.Dialect {
	case "sqlite":
		return checkSQLitePath(t.Database, create)
	case "postgres":
		name := t.Database
		if q := queryDB(raw); q != "" {
			name = q
		}
		if name == "" {
			return fmt.Errorf("database URL %s names no database (the server would read its default one instead): add the database after the host, e.g. postgres://user@host:5432/app?sslmode=disable", Shorten(Redact(raw)))
		}
		if len(name) > maxPostgresName {
			return fmt.Errorf("database URL %s: its database name is %d bytes long, and PostgreSQL identifiers are at most %d bytes (a longer one is cut, naming another database): give a shorter name", Shorten(Redact(raw)), len(name), maxPostgresName)
		}
	case "mysql":
		if t.Database == "" {
			return fmt.Errorf("database URL %s names no database: add it after the host, e.g. mysql://user@host:3306/app", Shorten(Redact(raw)))
		}
		if n := utf8.RuneCountInString(t.Database); n > maxMySQLName {
			return fmt.Errorf("database URL %s: its database name is %d characters long, and MySQL database names are at most %d characters: give a shorter name", Shorten(Redact(raw)), n, maxMySQLName)
		}
	}
	return nil
}

// Longest database names the servers accept: PostgreSQL's NAMEDATALEN-1
// bytes, MySQL's and MariaDB's 64 characters.
const (
	maxPostgresName = 63
	maxMySQLName    = 64
)

// queryDB is the database a PostgreSQL URL names in its query
// (dbname=...), as libpq allows, or "".
func queryDB(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Query().Get("dbname")
}

// checkSQLitePath checks a SQLite database path.
func checkSQLitePath(path string, create bool) error {
	if path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil
	}
	if len(path) > maxPath {
		return fmt.Errorf("SQLite path %s is %d bytes long, more than the system allows (%d): give a shorter path", Shorten(path), len(path), maxPath)
	}
	for _, part := range strings.Split(filepath.ToSlash(path), "/") {
		if len(part) > maxPathPart {
			return fmt.Errorf("SQLite path %s: a folder or file name in it is %d bytes long, more than the system allows (%d): give a shorter name", Shorten(path), len(part), maxPathPart)
		}
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("SQLite path %s is a folder, not a database file: name a file in it, e.g. sqlite://%s", path, filepath.Join(path, "app.db"))
	}
	if !create {
		return nil
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("SQLite path %s: its folder %s does not exist: create it first (mkdir -p %s), or fix the path", path, dir, dir)
	case err != nil:
		return fmt.Errorf("SQLite path %s: its folder: %w", path, err)
	case !fi.IsDir():
		return fmt.Errorf("SQLite path %s: %s is a file, not a folder: fix the path", path, dir)
	}
	return nil
}
