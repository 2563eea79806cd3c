// Package roles gives every plugin its own identity in a database, so that
// the database itself — not an observer — refuses a plugin migration that
// touches what the plugin does not own.
//
// PostgreSQL: a LOGIN role per plugin and database, with a password only
// while a run migrates the plugin; each plugin file runs on a session
// logged in as the role (SET ROLE could be undone by the file). The role
// has USAGE and CREATE on the schema, SELECT and REFERENCES on core's
// tables and on the tables of the plugins it depends on, its own branch's
// rows of the history table, and owns the plugin's own relations. The
// migrator is a member of every plugin role.
//
// MySQL/MariaDB: an account per plugin and database, with a password
// generated for each run; plugin files run on a second connection as that
// account. It has SELECT and REFERENCES on core's and its dependencies'
// tables and all privileges on the plugin's own tables (also those a file
// is about to create: MySQL accepts table grants before the table exists),
// nothing else on any database.
//
// Names are per database (see Name), so many databases on one server never
// share a plugin identity.
package roles

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/plugmig/plugmig/engine/internal/sqlq"
)

// Name returns the role (PostgreSQL) or account (MySQL) of a plugin in a
// database: "plugmig_<plugin>_<8 hex digits of the database name's
// SHA-256>". At most 32 characters (MySQL's limit): a plugin name longer
// than 15 characters is shortened, with a hash of it kept.
func Name(database, plugin string) string {
	p := plugin
	if len(p) > 15 {
		h := sha256.Sum256([]byte(plugin))
		p = p[:10] + hex.EncodeToString(h[:])[:5]
	}
	return "plugmig_" + p + "_" + DatabaseTag(database)
}

// Names returns the identities of the plugins in database, in order.
func Names(database string, plugins []string) []string {
	names := make([]string, len(plugins))
	for i, p := range plugins {
		names[i] = Name(database, p)
	}
	return names
}

// DatabaseTag is the suffix every plugin identity of a database carries.
func DatabaseTag(database string) string {
	h := sha256.Sum256([]byte(database))
	return hex.EncodeToString(h[:4])
}

// Password returns a new random password (32 hex digits).
func Password() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Classes sorts a database's tables for one plugin.
type Classes struct {
	// Read are the tables the plugin may read and reference: core's and its
	// dependencies'.
	Read []string
	// Own are the plugin's own tables (and other relations).
	Own []string
}

// Classify sorts tables for a plugin: owner returns a table's owning branch
// ("core", a plugin name, or "" for none); deps are the plugins it depends
// on. Tables of other owners are in neither list.
func Classify(plugin string, deps []string, tables []string, owner func(string) string) Classes {
	var c Classes
	for _, t := range tables {
		switch o := owner(t); {
		case o == plugin:
			c.Own = append(c.Own, t)
		case o == "core" || contains(deps, o):
			c.Read = append(c.Read, t)
		}
	}
	return c
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// PrefixedNames returns every identifier in the SQL text that starts with
// the plugin's prefix "<plugin>__" (quoted or not), once each: the names a
// file may create, which a MySQL plugin account is granted beforehand.
func PrefixedNames(plugin, text string) []string {
	re := regexp.MustCompile("(?i)[`\"]?\\b(" + regexp.QuoteMeta(plugin) + "__[A-Za-z0-9_$]*)")
	seen := map[string]bool{}
	var out []string
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		if n := m[1]; !seen[strings.ToLower(n)] {
			seen[strings.ToLower(n)] = true
			out = append(out, n)
		}
	}
	return out
}

// QuotePG quotes a PostgreSQL identifier.
func QuotePG(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }

// QuoteMy quotes a MySQL identifier.
func QuoteMy(id string) string { return "`" + strings.ReplaceAll(id, "`", "``") + "`" }

// quoteMyString quotes a MySQL string literal.
func quoteMyString(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", "''") + "'"
}

// quotePGString quotes a PostgreSQL string literal.
func quotePGString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Orphans returns the plugin identities on the server whose database no
// longer exists: PostgreSQL roles and MySQL accounts are server-wide,
// named after their database (DatabaseTag), so dropping a database leaves
// them. Scratch logins of lint (plugmig_dl_...) are left to its sweep. It
// returns the statements that drop them, one per identity; with tag set
// (DatabaseTag of one database), only that database's.
func Orphans(ctx context.Context, q Querier, dialect, tag string) ([]string, error) {
	var dbs, ids string
	switch dialect {
	case "postgres":
		dbs = `SELECT datname FROM pg_catalog.pg_database`
		ids = `SELECT rolname, '' FROM pg_catalog.pg_roles WHERE rolname LIKE 'plugmig\_%' AND rolname NOT LIKE 'plugmig\_dl\_%' ORDER BY rolname`
	case "mysql":
		dbs = `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA`
		ids = `SELECT User, Host FROM mysql.user WHERE User LIKE 'plugmig\_%' AND User NOT LIKE 'plugmig\_dl\_%' ORDER BY User, Host`
	default:
		return nil, fmt.Errorf("%s has no plugin identities", dialect)
	}
	names, err := sqlq.Strings(ctx, q, dbs)
	if err != nil {
		return nil, err
	}
	tags := map[string]bool{}
	for _, n := range names {
		tags[DatabaseTag(n)] = true
	}
	accts, err := accounts(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	var stmts []string
	for _, a := range accts {
		t := a.User[strings.LastIndex(a.User, "_")+1:]
		if _, err := hex.DecodeString(t); err != nil || len(t) != 8 || tags[t] || (tag != "" && t != tag) {
			continue // not named after a database, its database exists, or another database's
		}
		if dialect == "postgres" {
			stmts = append(stmts, "DROP ROLE IF EXISTS "+QuotePG(a.User))
		} else {
			stmts = append(stmts, "DROP USER IF EXISTS "+a.String())
		}
	}
	return stmts, nil
}
