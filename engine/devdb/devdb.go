// Package devdb provides the scratch databases the engine replays migration
// history on: an in-memory SQLite database, or a database (PostgreSQL,
// MySQL/MariaDB) created for the run on the server a dev URL names and
// dropped afterwards, so the database the URL names is left exactly as
// it was found and concurrent runs never collide.
package devdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/sqlite"

	"github.com/plugmig/plugmig/internal/dbdriver"
)

// EnvVar returns the environment variable that may hold a dialect's dev URL.
func EnvVar(dialect string) string { return "DEV_URL_" + strings.ToUpper(dialect) }

// URLs maps a dialect to its dev URL. SQLite needs none.
type URLs map[string]string

// Lookup returns the dev URL of a dialect: the explicit one, else the
// environment's. For PostgreSQL and MySQL without either, the error says
// exactly what to pass.
func (u URLs) Lookup(dialect string) (string, error) {
	if dialect == "sqlite" {
		return u[dialect], nil
	}
	if v := u[dialect]; v != "" {
		return v, nil
	}
	if v := os.Getenv(EnvVar(dialect)); v != "" {
		return v, nil
	}
	example := map[string]string{
		"postgres": "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		"mysql":    "mysql://root@127.0.0.1:3306/test",
	}[dialect]
	return "", fmt.Errorf("no dev database for %s: pass --dev-url %s=%s or set %s (a server where a scratch database may be created and dropped), or leave %s out of the project's dialects (--dialects / plugmig.json)",
		dialect, dialect, example, EnvVar(dialect), dialect)
}

// DB is a scratch database. Reset empties it; Close drops it.
type DB struct {
	// Dialect is "sqlite", "postgres" or "mysql".
	Dialect string
	// DB is the connection pool to the scratch database.
	DB *sql.DB
	// Driver is Atlas's driver on DB.
	Driver migrate.Driver

	admin   *sql.DB
	target  dbdriver.Target
	rawURL  string
	scratch string
	created bool // the PostgreSQL scratch database exists

	// life holds the scratch database's life lock while it exists (see
	// leftover.go): another run drops nothing whose lock is held.
	life *sql.Conn

	// login is the identity DB connects as: a role (PostgreSQL) or account
	// (MySQL) created for this scratch database, which owns or may reach
	// nothing else on the server. Its password is generated per run.
	login    string
	password string
	host     string // MySQL: the host of the login account

	// creating is held while the scratch database is being created, so
	// that an interrupt's drop waits for a CREATE DATABASE in flight
	// (dropped before it committed, the database would be left).
	creating sync.Mutex
}

// dying is set when an interrupt starts dropping the scratch databases:
// no new one is created after that.
var dying atomic.Bool

// createScratch runs the CREATE DATABASE of the scratch database, unless
// the process is being interrupted.
func (d *DB) createScratch(ctx context.Context, stmt string) error {
	d.creating.Lock()
	defer d.creating.Unlock()
	if dying.Load() {
		return errors.New("interrupted: no scratch database is created any more")
	}
	_, err := d.admin.ExecContext(ctx, stmt)
	return err
}

// Open creates a scratch database of the dialect. url is ignored for SQLite.
func Open(ctx context.Context, dialect, url string) (*DB, error) {
	d := &DB{Dialect: dialect, rawURL: url}
	if dialect != "sqlite" {
		t, admin, err := dbdriver.Open(ctx, url)
		if err != nil {
			return nil, fmt.Errorf("dev database for %s: %w", dialect, err)
		}
		if t.Dialect != dialect {
			admin.Close()
			return nil, fmt.Errorf("dev URL %s is a %s database, not %s", dbdriver.Redact(url), t.Dialect, dialect)
		}
		d.admin, d.target = admin, t
		d.scratch = scratchName(time.Now())
		SweepOnce(dialect, url)
		if err := d.holdLife(ctx); err != nil {
			admin.Close()
			return nil, err
		}
		if err := d.createLogin(ctx); err != nil {
			d.releaseLife()
			admin.Close()
			return nil, err
		}
		track(d)
	}
	if err := d.create(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Reset drops everything in the scratch database.
func (d *DB) Reset(ctx context.Context) error {
	if d.Dialect == "postgres" && d.DB != nil {
		// Dropping the schemas is much faster than a new database.
		rows, err := d.DB.QueryContext(ctx, `SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'`)
		if err != nil {
			return err
		}
		var schemas []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			schemas = append(schemas, n)
		}
		rows.Close()
		for _, n := range schemas {
			if _, err := d.DB.ExecContext(ctx, `DROP SCHEMA "`+strings.ReplaceAll(n, `"`, `""`)+`" CASCADE`); err != nil {
				return err
			}
		}
		_, err = d.DB.ExecContext(ctx, `CREATE SCHEMA public`)
		return err
	}
	if err := d.drop(ctx); err != nil {
		return err
	}
	return d.create(ctx)
}

// Close drops the scratch database, the identities created for it, and
// closes every connection.
func (d *DB) Close() error {
	err := d.drop(context.Background())
	if d.admin != nil {
		untrack(d)
		err = errors.Join(err, d.dropLogins(context.Background()))
		d.releaseLife()
		d.admin.Close()
	}
	return err
}

func (d *DB) create(ctx context.Context) error {
	var (
		db  *sql.DB
		err error
	)
	switch d.Dialect {
	case "sqlite":
		b := make([]byte, 6)
		rand.Read(b)
		db, err = sql.Open("sqlite3", "file:plugmig_dev_"+hex.EncodeToString(b)+"?mode=memory&_pragma=foreign_keys(1)")
		if err == nil {
			// One connection: an in-memory database lives as long as it does.
			db.SetMaxOpenConns(1)
			db.SetMaxIdleConns(1)
			db.SetConnMaxLifetime(0)
			db.SetConnMaxIdleTime(0)
		}
	case "postgres":
		if d.DB == nil && !d.created {
			if err := d.createScratch(ctx, "CREATE DATABASE "+d.scratch+" OWNER "+d.login); err != nil {
				return fmt.Errorf("create scratch database on dev server %s: %w", dbdriver.Redact(d.rawURL), err)
			}
			d.created = true
		}
		u, _ := url.Parse(d.rawURL)
		u.Path = "/" + d.scratch
		u.User = url.UserPassword(d.login, d.password)
		// A scratch database needs no durability: commits skip the WAL flush.
		db, err = sql.Open("postgres", withQuery(u.String(), "synchronous_commit", "off"))
	case "mysql":
		if err := d.createScratch(ctx, "CREATE DATABASE "+d.scratch); err != nil {
			return fmt.Errorf("create scratch database on dev server %s: %w", dbdriver.Redact(d.rawURL), err)
		}
		u, _ := url.Parse(d.rawURL)
		u.Path = "/" + d.scratch
		u.User = url.UserPassword(d.login, d.password)
		var t dbdriver.Target
		if t, err = dbdriver.ParseURL(u.String()); err == nil {
			db, err = sql.Open(t.Driver, t.DSN)
		}
	default:
		return fmt.Errorf("unknown dialect %q", d.Dialect)
	}
	if err != nil {
		return err
	}
	d.DB = db
	switch d.Dialect {
	case "sqlite":
		d.Driver, err = sqlite.Open(db)
	case "postgres":
		d.Driver, err = postgres.Open(db)
	case "mysql":
		d.Driver, err = mysql.Open(db)
	}
	if err != nil {
		return fmt.Errorf("dev database for %s: %w", d.Dialect, err)
	}
	return nil
}

func (d *DB) drop(ctx context.Context) error {
	if d.DB != nil {
		d.DB.Close()
		d.DB, d.Driver = nil, nil
	}
	var err error
	switch d.Dialect {
	case "postgres":
		_, err = d.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+d.scratch+" WITH (FORCE)")
		d.created = false
	case "mysql":
		_, err = d.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+d.scratch)
	}
	if err != nil {
		return fmt.Errorf("drop scratch %s on dev database %s: %w", d.scratch, dbdriver.Redact(d.rawURL), err)
	}
	return nil
}

func withQuery(raw, key, value string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}
