package dbdriver

import (
	"context"
	"database/sql"
	"errors"
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
	if err := invalidUTF8(raw); err != nil {
		return Target{}, err
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return Target{}, fmt.Errorf("database URL %q has no scheme: use sqlite://<file>, postgres://user@host:5432/db or mysql://user@host:3306/db", redact(raw))
	}
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3", "file":
		path, query, _ := strings.Cut(rest, "?")
		if path == "" {
			return Target{}, fmt.Errorf("database URL %q names no file: use sqlite://path/to/app.db", redact(raw))
		}
		dsn := SQLiteDSN(path)
		if query != "" {
			dsn += "&" + query
		}
		return Target{Dialect: "sqlite", Driver: "sqlite3", DSN: dsn, Database: path}, nil
	case "postgres", "postgresql", "mysql", "mariadb":
		if ambiguous(raw) {
			return Target{}, fmt.Errorf("database URL %s is ambiguous: a '#' or an '@' after the host is read differently by each driver: percent-encode special characters of the password (# as %%23, / as %%2F, ? as %%3F, @ as %%40)", redact(raw))
		}
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		u, err := url.Parse(raw)
		if err != nil {
			return Target{}, fmt.Errorf("database URL %s does not parse (%s): percent-encode special characters of the password (e.g. # as %%23, / as %%2F, %% as %%25)", redact(raw), urlProblem(err))
		}
		return Target{Dialect: "postgres", Driver: "postgres", DSN: raw, Database: strings.TrimPrefix(u.Path, "/")}, nil
	case "mysql", "mariadb":
		u, err := url.Parse(raw)
		if err != nil {
			return Target{}, fmt.Errorf("database URL %s does not parse (%s): percent-encode special characters of the password (e.g. # as %%23, / as %%2F, %% as %%25)", redact(raw), urlProblem(err))
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

// defaultWait is how long Open waits for a SQLite file another process
// has locked, and for a server to answer.
const defaultWait = 10 * time.Second

// Open opens and pings the database a URL names. Its errors never hold
// the URL's secrets.
func Open(ctx context.Context, raw string) (Target, *sql.DB, error) {
	return OpenWait(ctx, raw, defaultWait)
}

// ErrLocked is wrapped by OpenWait's error when a SQLite file stayed
// locked by another process for the whole wait.
var ErrLocked = errors.New("locked by another process")

// OpenWait is Open where a SQLite file locked by another process is waited
// for at most wait (then the error wraps ErrLocked); every later statement
// on the connection waits as long.
func OpenWait(ctx context.Context, raw string, wait time.Duration) (Target, *sql.DB, error) {
	t, err := ParseURL(raw)
	if err != nil {
		return t, nil, ScrubError(err, raw)
	}
	dsn, ping := t.DSN, defaultWait
	if t.Dialect == "sqlite" {
		dsn = strings.Replace(dsn, busyPragma, fmt.Sprintf("_pragma=busy_timeout(%d)", wait.Milliseconds()), 1)
		ping = wait + defaultWait
	}
	db, err := sql.Open(t.Driver, dsn)
	if err != nil {
		return t, nil, fmt.Errorf("open %s: %w", Redact(raw), ScrubError(err, raw))
	}
	pctx, cancel := context.WithTimeout(ctx, ping)
	defer cancel()
	err = db.PingContext(pctx)
	if err == nil && t.Dialect == "sqlite" {
		// Reading the schema takes the lock a writer holds: find out now.
		_, err = db.ExecContext(pctx, "SELECT count(*) FROM sqlite_master")
	}
	if err != nil {
		db.Close()
		if t.Dialect == "sqlite" && busy(err) {
			return t, nil, fmt.Errorf("database %s is %w: waited %s (--lock-timeout) and it is still locked: wait for that process to finish (or stop it), then run this again; nothing was changed", Redact(raw), ErrLocked, wait)
		}
		return t, nil, fmt.Errorf("connect to %s: %w%s", Redact(raw), ScrubError(err, raw), missingDatabaseHint(t, raw, err))
	}
	return t, db, nil
}

// busy reports whether a SQLite error says the file is locked.
func busy(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || Busy(err) || strings.Contains(err.Error(), "(5)")
}

// Busy reports whether err holds SQLite's SQLITE_BUSY: another process
// kept the database file locked for the connection's whole busy timeout
// (--lock-timeout). Errors are matched by their text: the engine and Atlas
// wrap the driver's with %v as often as with %w.
func Busy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

// ExplainLocked returns err, when SQLite reported its file locked (Busy)
// after the command had started, with what that means and what to do, as
// OpenWait says it when the lock was held before; it wraps ErrLocked then.
// Any other error, or one already explained, is returned as it is.
func ExplainLocked(err error) error {
	if err == nil || errors.Is(err, ErrLocked) || !Busy(err) {
		return err
	}
	return fmt.Errorf("%w\n  the database file is %w for longer than --lock-timeout: wait for that process to finish (or stop it), then run this again", err, ErrLocked)
}

// missingDatabaseHint says what to do when the server has no database of
// the URL's name (PostgreSQL's 3D000, MySQL's 1049): plugmig migrates a
// database, it does not create one on a server.
func missingDatabaseHint(t Target, raw string, err error) string {
	msg := err.Error()
	if !strings.Contains(msg, "SQLSTATE 3D000") && !strings.Contains(msg, "Error 1049") {
		return ""
	}
	name := ""
	if u, perr := url.Parse(raw); perr == nil {
		name = strings.TrimPrefix(u.Path, "/")
	}
	if name == "" {
		return ""
	}
	create := "CREATE DATABASE " + name
	if t.Dialect == "postgres" {
		create = "createdb " + name + ", or " + create
	}
	return fmt.Sprintf("\n  the server has no database %q: create it first (%s), then run this again; or point the URL (--url, or its line in --targets) at an existing database", name, create)
}

// urlProblem is what url.Parse found wrong, without the URL it quotes.
func urlProblem(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	// url.Parse quotes the offending part, which may be the password.
	if i := strings.Index(msg, " \""); i >= 0 {
		msg = msg[:i]
	}
	if i := strings.Index(msg, ": "); i >= 0 && strings.Contains(msg[i:], "%") {
		msg = msg[:i]
	}
	return msg
}

// Redact returns the URL with its password, and the values of query
// parameters that may hold one (password=, sslpassword=, ...), replaced by
// "xxxxx". It never returns a secret, whatever the input: a URL that does
// not parse (a password holding '#', '/' or '%zz', a bad port) is redacted
// by hand, taking everything before the last '@' as the user information.
func Redact(raw string) string { return redact(raw) }

const mask = "xxxxx"

func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && !ambiguous(raw) {
		secret := false
		if u.User != nil {
			if _, ok := u.User.Password(); ok {
				u.User = url.UserPassword(u.User.Username(), mask)
				secret = true
			}
		}
		if q := redactQuery(u.RawQuery); q != u.RawQuery {
			u.RawQuery = q
			secret = true
		}
		if !secret {
			// As given: u.String() respells some (postgres:// as postgres:).
			return raw
		}
		return u.String()
	}
	return redactByHand(raw)
}

// ambiguous reports whether url.Parse may misread where the password ends:
// no "://" (user:password@host reads as scheme "user"), a '#' anywhere, more
// than one '@' in the authority or one after it (a password holding '@',
// '/' or '?'): drivers split such URLs differently.
func ambiguous(raw string) bool {
	if strings.Contains(raw, "#") || !strings.Contains(raw, "://") {
		return true
	}
	rest := raw
	if i := strings.Index(raw, "://"); i >= 0 {
		rest = raw[i+3:]
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	return strings.Count(rest[:end], "@") > 1 || strings.Contains(rest[end:], "@")
}

// redactByHand redacts a URL that does not parse: the password is whatever
// follows the user name up to the last '@'; a query's secret values too.
func redactByHand(raw string) string {
	prefix, rest := "", raw
	if i := strings.Index(raw, "://"); i >= 0 {
		prefix, rest = raw[:i+3], raw[i+3:]
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		user, _, hasPass := strings.Cut(rest[:at], ":")
		if hasPass {
			rest = user + ":" + mask + rest[at:]
		}
	}
	if q := strings.Index(rest, "?"); q >= 0 {
		rest = rest[:q+1] + redactQuery(rest[q+1:])
	}
	return prefix + rest
}

// redactQuery masks the values of query parameters named like a secret,
// without decoding the query (it may not decode).
func redactQuery(q string) string {
	frag := ""
	if i := strings.Index(q, "#"); i >= 0 {
		q, frag = q[:i], mask
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, _, ok := strings.Cut(p, "=")
		if ok && secretKey(k) {
			parts[i] = k + "=" + mask
		}
	}
	out := strings.Join(parts, "&")
	if frag != "" {
		out += "#" + frag
	}
	return out
}

// secretKey reports whether a query parameter may hold a secret.
func secretKey(k string) bool {
	if u, err := url.QueryUnescape(k); err == nil {
		k = u
	}
	k = strings.ToLower(k)
	for _, s := range []string{"pass", "pwd", "secret", "token", "auth", "key"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// Secrets returns the secrets a URL holds, as written and decoded: its
// password and the values of its secret query parameters. It reads URLs
// that do not parse too.
func Secrets(raw string) []string {
	var out []string
	add := func(s string) {
		if s == "" {
			return
		}
		out = append(out, s)
		if d, err := url.PathUnescape(s); err == nil && d != s {
			out = append(out, d)
		}
		if d, err := url.QueryUnescape(s); err == nil && d != s {
			out = append(out, d)
		}
	}
	rest := raw
	if i := strings.Index(raw, "://"); i >= 0 {
		rest = raw[i+3:]
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if _, pass, ok := strings.Cut(rest[:at], ":"); ok {
			add(pass)
		}
	}
	if q := strings.Index(rest, "?"); q >= 0 {
		for _, p := range strings.Split(rest[q+1:], "&") {
			if k, v, ok := strings.Cut(p, "="); ok && secretKey(k) {
				v, _, _ = strings.Cut(v, "#")
				add(v)
			}
		}
	}
	return out
}

// Scrub replaces every secret of the given URLs in text by "xxxxx".
func Scrub(text string, urls ...string) string {
	for _, u := range urls {
		for _, s := range Secrets(u) {
			text = strings.ReplaceAll(text, s, mask)
		}
	}
	return text
}

// scrubbedError is an error whose message has the secrets of a URL masked;
// errors.Is and errors.As still see the error it wraps.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// ScrubError masks the secrets of the given URLs in err's message (a
// driver's error may quote the connection string).
func ScrubError(err error, urls ...string) error {
	if err == nil {
		return nil
	}
	msg := Scrub(err.Error(), urls...)
	if msg == err.Error() {
		return err
	}
	return &scrubbedError{msg: msg, err: err}
}
