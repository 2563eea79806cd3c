package devdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/plugmig/plugmig/engine/internal/sqlq"
	"github.com/plugmig/plugmig/engine/roles"
)

// A run that creates a scratch database first takes its life lock — a
// MySQL named lock (GET_LOCK) or a PostgreSQL session advisory lock — on a
// connection it keeps until the scratch database, its login and its plugin
// identities are dropped. The server releases the lock when that session
// ends, also when the run is killed (kill -9, a crash, a test timeout): a
// free lock says the creator is gone, and the next run of any command on
// the server drops what it left, at once rather than hours later.

// lifeKey is the PostgreSQL advisory lock's first key (the second is the
// hash of the lock's name): "pm".
const lifeKey = 0x706d

// lifeLock names the life lock of a scratch database, or of a scratch login
// (they share the tag).
func lifeLock(tag string) string { return "plugmig_live_" + tag }

// holdLife takes the scratch database's life lock on a connection of its
// own, kept until releaseLife.
func (d *DB) holdLife(ctx context.Context) error {
	c, err := d.admin.Conn(ctx)
	if err != nil {
		return err
	}
	name := lifeLock(roles.DatabaseTag(d.scratch))
	var got sql.NullInt64
	switch d.Dialect {
	case "postgres":
		_, err = c.ExecContext(ctx, "SELECT pg_advisory_lock($1, hashtext($2))", lifeKey, name)
		got.Int64, got.Valid = 1, err == nil
	case "mysql":
		err = c.QueryRowContext(ctx, "SELECT GET_LOCK(?, 10)", name).Scan(&got)
	}
	if err == nil && got.Int64 != 1 {
		err = errors.New("the lock is held by another session")
	}
	if err != nil {
		c.Close()
		return fmt.Errorf("take the scratch database's life lock %s: %w", name, err)
	}
	d.life = c
	return nil
}

// releaseLife releases the life lock, once what it guards is dropped.
func (d *DB) releaseLife() {
	if d.life == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	name := lifeLock(roles.DatabaseTag(d.scratch))
	switch d.Dialect {
	case "postgres":
		d.life.ExecContext(ctx, "SELECT pg_advisory_unlock($1, hashtext($2))", lifeKey, name)
	case "mysql":
		d.life.ExecContext(ctx, "DO RELEASE_LOCK(?)", name)
	}
	d.life.Close()
	d.life = nil
}

// Leftover is something a killed run left on a server: a scratch database
// (with its login and plugin identities) or a scratch login whose database
// is gone.
type Leftover struct {
	// Kind is "scratch database" or "scratch login".
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Statements drop it: the scratch database, the plugin identities
	// made for it (named with its tag), its login. Drop runs exactly
	// these, so a dry run that prints them shows what would be dropped.
	Statements []string `json:"statements"`
}

// ErrInUse is what Drop returns when a leftover changed since it was
// listed: something came to depend on it or connected to it (a run was
// starting or ending on it). It is left for a later command.
var ErrInUse = errors.New("it changed since it was listed: something depends on it or is connected to it now")

// Drop runs the leftover's statements; it stops at the first that fails.
func (l Leftover) Drop(ctx context.Context, admin *sql.DB) error {
	for _, s := range l.Statements {
		if _, err := admin.ExecContext(ctx, s); err != nil {
			var pg *pgconn.PgError
			if errors.As(err, &pg) && (pg.Code == "2BP01" || pg.Code == "55006" || pg.Code == "XX000" && strings.Contains(pg.Message, "concurrently")) {
				// dependent_objects_still_exist, object_in_use; "tuple
				// concurrently deleted/updated": another sweep dropped it
				return fmt.Errorf("%s: %w (%s)", s, ErrInUse, pg.Message)
			}
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// Abandoned lists what killed runs left on the server of admin: scratch
// databases and scratch logins whose creator's life lock is free, that
// nobody is connected to or as, and (databases) older than Grace. It
// changes nothing.
func Abandoned(ctx context.Context, dialect string, admin *sql.DB) ([]Leftover, error) {
	dbs, logins, err := scratchNames(ctx, dialect, admin)
	if err != nil {
		return nil, err
	}
	var out []Leftover
	withDB := map[string]bool{}
	for _, n := range dbs {
		tag := roles.DatabaseTag(n)
		withDB[tag] = true
		created, ok := scratchCreated(n)
		if !ok || time.Since(created) < Grace {
			continue // an older name (age unknown), or too young to judge
		}
		if gone, err := creatorGone(ctx, dialect, admin, tag, n, "plugmig_dl_"+tag); err != nil || !gone {
			continue
		}
		out = append(out, Leftover{Kind: "scratch database", Name: n, Statements: dropScratchSQL(ctx, dialect, admin, n, tag)})
	}
	for _, l := range logins {
		tag := strings.TrimPrefix(l, "plugmig_dl_")
		if withDB[tag] {
			continue // judged with its database
		}
		if gone, err := creatorGone(ctx, dialect, admin, tag, "", l); err != nil || !gone {
			continue
		}
		if dialect == "postgres" && ownsSomething(ctx, admin, l) {
			// It owns a database (one created after the listing above)
			// or holds privileges: not a bare login; DROP ROLE would fail.
			continue
		}
		out = append(out, Leftover{Kind: "scratch login", Name: l, Statements: append(identitySQL(ctx, dialect, admin, tag), dropLoginSQL(ctx, dialect, admin, l)...)})
	}
	return out, nil
}

// scratchNames lists the scratch databases (plugmig_dev_*) and scratch
// logins (plugmig_dl_*) on the server of admin.
func scratchNames(ctx context.Context, dialect string, admin *sql.DB) (dbs, logins []string, err error) {
	var listDBs, listLogins string
	switch dialect {
	case "postgres":
		listDBs = `SELECT datname FROM pg_database WHERE datname LIKE 'plugmig\_dev\_%'`
		listLogins = `SELECT rolname FROM pg_roles WHERE rolname LIKE 'plugmig\_dl\_%'`
	case "mysql":
		listDBs = `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'plugmig\_dev\_%'`
		listLogins = `SELECT DISTINCT User FROM mysql.user WHERE User LIKE 'plugmig\_dl\_%'`
	default:
		return nil, nil, nil
	}
	if dbs, err = sqlq.Strings(ctx, admin, listDBs); err != nil {
		return nil, nil, fmt.Errorf("list scratch databases: %w", err)
	}
	if logins, err = sqlq.Strings(ctx, admin, listLogins); err != nil {
		return nil, nil, fmt.Errorf("list scratch logins: %w", err)
	}
	return dbs, logins, nil
}

// Unjudged is a scratch database younger than [Grace], with its login if
// it has one: whether a killed run left it cannot be told yet.
type Unjudged struct {
	Name  string `json:"name"`
	Login string `json:"login,omitempty"`
	// Judged is when [Abandoned] first judges it.
	Judged time.Time `json:"judged"`
}

// TooRecent lists the scratch databases on the server of admin that
// [Abandoned] leaves out as younger than [Grace], so that a caller can say
// they exist and when they can be judged. It changes nothing.
func TooRecent(ctx context.Context, dialect string, admin *sql.DB) ([]Unjudged, error) {
	dbs, logins, err := scratchNames(ctx, dialect, admin)
	if err != nil {
		return nil, err
	}
	var out []Unjudged
	for _, n := range dbs {
		created, ok := scratchCreated(n)
		if !ok || time.Since(created) >= Grace {
			continue
		}
		u := Unjudged{Name: n, Judged: created.Add(Grace)}
		if l := "plugmig_dl_" + roles.DatabaseTag(n); slices.Contains(logins, l) {
			u.Login = l
		}
		out = append(out, u)
	}
	return out, nil
}

// ownsSomething reports whether a PostgreSQL role owns anything or holds
// a privilege in any database (pg_shdepend), or the query fails.
func ownsSomething(ctx context.Context, admin *sql.DB, role string) bool {
	var n int
	err := admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_shdepend s JOIN pg_roles r ON r.oid = s.refobjid WHERE r.rolname = $1 AND s.deptype IN ('o', 'a')`, role).Scan(&n)
	return err != nil || n > 0
}

// creatorGone reports whether the life lock of tag is free and nobody is
// connected to database (if any) or as login.
func creatorGone(ctx context.Context, dialect string, admin *sql.DB, tag, database, login string) (bool, error) {
	name := lifeLock(tag)
	switch dialect {
	case "postgres":
		// Read pg_locks rather than try the lock: a probe that takes the
		// lock, even for a moment, makes a concurrent sweep think the
		// creator is alive. The two-key form is classid, objid, objsubid 2.
		var n int
		err := admin.QueryRowContext(ctx, `SELECT
	(SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::int::oid AND objid = hashtext($2)::oid AND objsubid = 2)
	+ (SELECT count(*) FROM pg_stat_activity WHERE datname = $3 OR usename = $4)`, lifeKey, name, database, login).Scan(&n)
		return err == nil && n == 0, err
	case "mysql":
		var free sql.NullInt64
		if err := admin.QueryRowContext(ctx, "SELECT IS_FREE_LOCK(?)", name).Scan(&free); err != nil || free.Int64 != 1 {
			return false, err
		}
		var n int
		err := admin.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = ? OR USER = ?", database, login).Scan(&n)
		return err == nil && n == 0, err
	}
	return false, nil
}

// dropScratchSQL is what drops an abandoned scratch database, the plugin
// identities made for it and its login.
func dropScratchSQL(ctx context.Context, dialect string, admin *sql.DB, name, tag string) []string {
	// No FORCE: if a connection arrived since, the drop fails and the
	// database stays, with its identities and login.
	out := []string{"DROP DATABASE IF EXISTS " + quoteName(dialect, name)}
	out = append(out, identitySQL(ctx, dialect, admin, tag)...)
	return append(out, dropLoginSQL(ctx, dialect, admin, "plugmig_dl_"+tag)...)
}

// identitySQL drops the plugin identities a scratch database's run made
// (roles.Name of the scratch database: plugmig_<plugin>_<tag>), every host
// of a MySQL account; the login (plugmig_dl_<tag>) is dropLoginSQL's.
func identitySQL(ctx context.Context, dialect string, admin *sql.DB, tag string) []string {
	var out []string
	switch dialect {
	case "postgres":
		names, _ := sqlq.Strings(ctx, admin, `SELECT rolname FROM pg_roles WHERE rolname LIKE 'plugmig\_%\_' || $1 AND rolname NOT LIKE 'plugmig\_dl\_%' ORDER BY rolname`, tag)
		for _, n := range names {
			out = append(out, "DROP ROLE IF EXISTS "+roles.QuotePG(n))
		}
	case "mysql":
		rows, err := admin.QueryContext(ctx, `SELECT User, Host FROM mysql.user WHERE User LIKE CONCAT('plugmig\_%\_', ?) AND User NOT LIKE 'plugmig\_dl\_%' ORDER BY User, Host`, tag)
		if err != nil {
			return nil
		}
		defer rows.Close()
		for rows.Next() {
			var a roles.Account
			if rows.Scan(&a.User, &a.Host) == nil {
				out = append(out, "DROP USER IF EXISTS "+a.String())
			}
		}
	}
	return out
}

// dropLoginSQL drops a scratch login (every host of a MySQL one).
func dropLoginSQL(ctx context.Context, dialect string, admin *sql.DB, login string) []string {
	if dialect == "postgres" {
		return []string{"DROP ROLE IF EXISTS " + roles.QuotePG(login)}
	}
	hosts, _ := sqlq.Strings(ctx, admin, "SELECT Host FROM mysql.user WHERE User = ?", login)
	var out []string
	for _, h := range hosts {
		out = append(out, "DROP USER IF EXISTS '"+login+"'@'"+strings.ReplaceAll(h, "'", "''")+"'")
	}
	return out
}
