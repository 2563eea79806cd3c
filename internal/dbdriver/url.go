package dbdriver

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Target is a database named by an Atlas-style URL, ready for sql.Open.
type Target struct {
	// Dialect is "sqlite", "postgres" or "mysql".
	Dialect string
	// Driver is the database/sql driver name.
	Driver string
	// DSN is what Driver's sql.Open takes.
	DSN string
	// Database is the database name (the file path for SQLite).
	Database string
}

// ParseURL reads an Atlas-style database URL: sqlite://<file>, postgres://
// (or postgresql://) and mysql:// (or mariadb://). Passwords never appear in
// its errors.
func ParseURL(raw string) (Target, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return Target{}, fmt.Errorf("database URL %q has no scheme: use sqlite://<file>, postgres://user@host:5432/db or mysql://user@host:3306/db", redact(raw))
	}
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3", "file":
		path, query, _ := strings.Cut(rest, "?")
		if path == "" {
			return Target{}, fmt.Errorf("database URL %q names no file: use sqlite://path/to/app.db", raw)
		}
		dsn := SQLiteDSN(path)
		if query != "" {
			dsn += "&" + query
		}
		return Target{Dialect: "sqlite", Driver: "sqlite3", DSN: dsn, Database: path}, nil
	case "postgres", "postgresql":
		u, err := url.Parse(raw)
		if err != nil {
			return Target{}, fmt.Errorf("database URL %q: %w", redact(raw), err)
		}
		return Target{Dialect: "postgres", Driver: "postgres", DSN: raw, Database: strings.TrimPrefix(u.Path, "/")}, nil
	case "mysql", "mariadb":
		u, err := url.Parse(raw)
		if err != nil {
			return Target{}, fmt.Errorf("database URL %q: %w", redact(raw), err)
		}
		cfg := mysql.NewConfig()
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
		cfg.Net = "tcp"
		cfg.Addr = u.Host
		if u.Port() == "" {
			cfg.Addr = u.Hostname() + ":3306"
		}
		cfg.DBName = strings.TrimPrefix(u.Path, "/")
		cfg.ParseTime = true
		for k, v := range u.Query() {
			if cfg.Params == nil {
				cfg.Params = map[string]string{}
			}
			cfg.Params[k] = v[0]
		}
		return Target{Dialect: "mysql", Driver: "mysql", DSN: cfg.FormatDSN(), Database: cfg.DBName}, nil
	}
	return Target{}, fmt.Errorf("database URL %q: unsupported scheme %q: use sqlite://, postgres:// or mysql://", redact(raw), scheme)
}

// Open opens and pings the database a URL names.
func Open(ctx context.Context, raw string) (Target, *sql.DB, error) {
	t, err := ParseURL(raw)
	if err != nil {
		return t, nil, err
	}
	db, err := sql.Open(t.Driver, t.DSN)
	if err != nil {
		return t, nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return t, nil, fmt.Errorf("connect to %s: %w", Redact(raw), err)
	}
	return t, db, nil
}

// Redact returns the URL with its password replaced by "xxxxx".
func Redact(raw string) string { return redact(raw) }

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
