// Package testdb gives tests real databases: a SQLite file in a temporary
// folder, and a fresh database on the local PostgreSQL and MariaDB servers,
// dropped when the test ends. Without a server a test skips with a loud
// reason — unless CI=true, where it fails.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/roles"
	"github.com/plugmig/plugmig/internal/dbdriver"
)

// DB is an open test database and the URL that names it.
type DB struct {
	Dialect string // "sqlite", "postgres" or "mysql"
	URL     string // Atlas-style URL: sqlite://..., postgres://..., mysql://...
	Name    string // database name (the file path for SQLite)
	DB      *sql.DB
}

// Server addresses; the environment can point them elsewhere.
var (
	PostgresAdmin = env("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	MySQLAdmin    = env("TEST_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/")
)

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// SQLite opens a new SQLite database file in t.TempDir().
func SQLite(t testing.TB) *DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := sql.Open("sqlite3", dbdriver.SQLiteDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &DB{Dialect: "sqlite", URL: "sqlite://" + path, Name: path, DB: db}
}

// Postgres creates a fresh database on the local PostgreSQL server.
func Postgres(t testing.TB) *DB {
	t.Helper()
	admin := open(t, "postgres", PostgresAdmin, "PostgreSQL")
	name := dbName(t)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create PostgreSQL database %s: %v", name, err)
	}
	url := strings.Replace(PostgresAdmin, "/postgres?", "/"+name+"?", 1)
	db := mustOpen(t, "postgres", url)
	t.Cleanup(func() {
		db.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop PostgreSQL database %s: %v", name, err)
		}
		if err := roles.PGDropAll(context.Background(), admin, name); err != nil {
			t.Errorf("drop the plugin roles of %s: %v", name, err)
		}
		admin.Close()
	})
	return &DB{Dialect: "postgres", URL: url, Name: name, DB: db}
}

// MySQL creates a fresh database on the local MariaDB/MySQL server.
func MySQL(t testing.TB) *DB {
	t.Helper()
	admin := open(t, "mysql", MySQLAdmin, "MariaDB/MySQL")
	name := dbName(t)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create MySQL database %s: %v", name, err)
	}
	dsn := MySQLAdmin + name + "?parseTime=true&multiStatements=false"
	db := mustOpen(t, "mysql", dsn)
	t.Cleanup(func() {
		db.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
			t.Errorf("drop MySQL database %s: %v", name, err)
		}
		if err := roles.MyDropAll(context.Background(), admin, name); err != nil {
			t.Errorf("drop the plugin accounts of %s: %v", name, err)
		}
		admin.Close()
	})
	user, host, _ := strings.Cut(strings.TrimSuffix(MySQLAdmin, "/"), "@tcp(")
	return &DB{Dialect: "mysql", URL: "mysql://" + user + "@" + strings.TrimSuffix(host, ")") + "/" + name, Name: name, DB: db}
}

// Open returns a fresh database of the dialect.
func Open(t testing.TB, dialect string) *DB {
	switch dialect {
	case "sqlite":
		return SQLite(t)
	case "postgres":
		return Postgres(t)
	case "mysql":
		return MySQL(t)
	}
	t.Fatalf("unknown dialect %q", dialect)
	return nil
}

func open(t testing.TB, driver, dsn, server string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = db.PingContext(ctx)
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI=true but unreachable at %s: %v", server, dsn, err)
		}
		t.Skipf("SKIPPED: %s unreachable at %s (%v); start it to run this test", server, dsn, err)
	}
	return db
}

func mustOpen(t testing.TB, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	return db
}

func dbName(t testing.TB) string {
	b := make([]byte, 4)
	rand.Read(b)
	n := strings.ToLower(t.Name())
	n = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, n)
	if len(n) > 32 {
		n = n[:32]
	}
	// The process id lets Supervise find what a killed or panicking run left.
	return fmt.Sprintf("t_%d_%s_%s", os.Getpid(), n, hex.EncodeToString(b))
}

// DevURL returns the Atlas-style URL of the local server of a dialect, for a
// dev database ("" for SQLite). It skips or fails, as Open does, when the
// server is unreachable.
func DevURL(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case "postgres":
		open(t, "postgres", PostgresAdmin, "PostgreSQL").Close()
		return PostgresAdmin
	case "mysql":
		open(t, "mysql", MySQLAdmin, "MariaDB/MySQL").Close()
		return MySQLDevURL()
	}
	return ""
}

// Dev opens a scratch dev database of the dialect (see package devdb),
// closed when the test ends.
func Dev(t testing.TB, dialect string) *devdb.DB {
	t.Helper()
	dev, err := devdb.Open(context.Background(), dialect, DevURL(t, dialect))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := dev.Close(); err != nil {
			t.Error(err)
		}
	})
	return dev
}

// Root returns the module root: the nearest folder holding go.mod at or
// above the test's working directory.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
