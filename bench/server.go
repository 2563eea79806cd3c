package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/plugmig/plugmig/engine/roles"
	"github.com/plugmig/plugmig/internal/dbdriver"
)

// servers are the database servers a benchmark may use, by dialect: an
// Atlas-style URL of any database on the server the harness may connect
// to. The harness never works inside that database: it creates its own
// (plugmig_bench_*) beside it and drops them, with their plugin
// identities, when done.
type servers map[string]string

// serverFlags defines the URL flags every server benchmark takes, named
// postgres and mysql plus suffix ("" skips the dialect).
func serverFlags(fs interface {
	String(name, value, usage string) *string
}, suffix string) func() servers {
	pg := fs.String("postgres"+suffix, envOr("DEV_URL_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "PostgreSQL server URL, any database on it: the harness creates its own beside it (\"\" to skip PostgreSQL)")
	my := fs.String("mysql"+suffix, envOr("DEV_URL_MYSQL", "mysql://root@127.0.0.1:3306/test"), "MySQL/MariaDB server URL, any database on it: the harness creates its own beside it (\"\" to skip MySQL/MariaDB)")
	return func() servers { return servers{"postgres": *pg, "mysql": *my} }
}

// dialects lists sqlite and every server dialect with a URL, in that order.
func (s servers) dialects() []string {
	ds := []string{"sqlite"}
	for _, d := range []string{"postgres", "mysql"} {
		if s[d] != "" {
			ds = append(ds, d)
		}
	}
	return ds
}

// withDatabase returns the server URL with its database replaced by name
// (the path of the URL; the query, user and host kept).
func withDatabase(server, name string) (string, error) {
	u, err := url.Parse(server)
	if err != nil {
		return "", fmt.Errorf("server URL %s: %w", dbdriver.Redact(server), err)
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// freshDB opens an empty database: a new SQLite file under root, or a new
// database on the dialect's server. It returns the database, its URL and
// drop, which removes it and its plugin identities.
func freshDB(ctx context.Context, dialect string, srv servers, root string) (*sql.DB, string, func(), error) {
	b := make([]byte, 4)
	rand.Read(b)
	name := "plugmig_bench_" + hex.EncodeToString(b)
	if dialect == "sqlite" {
		path := filepath.Join(root, name+".db")
		_, db, err := dbdriver.Open(ctx, "sqlite://"+path)
		return db, "sqlite://" + path, func() { os.Remove(path); os.Remove(path + ".lock") }, err
	}
	db, ref, drop, err := createOn(ctx, dialect, srv[dialect], name)
	if err != nil {
		return nil, "", nil, err
	}
	return db, ref, drop, nil
}

// createOn creates the database name on the server of dialect and opens it.
func createOn(ctx context.Context, dialect, server, name string) (*sql.DB, string, func(), error) {
	target, err := withDatabase(server, name)
	if err != nil {
		return nil, "", nil, err
	}
	_, admin, err := dbdriver.Open(ctx, server)
	if err != nil {
		return nil, "", nil, err
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return nil, "", nil, err
	}
	drop := func() {
		dropOn(ctx, dialect, admin, name)
		admin.Close()
	}
	_, db, err := dbdriver.Open(ctx, target)
	if err != nil {
		drop()
		return nil, "", nil, err
	}
	return db, target, drop, nil
}

// dropOn drops a database the harness created, and its plugin identities.
func dropOn(ctx context.Context, dialect string, admin *sql.DB, name string) {
	if dialect == "postgres" {
		admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		roles.PGDropAll(ctx, admin, name)
		return
	}
	admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name)
	roles.MyDropAll(ctx, admin, name)
}
