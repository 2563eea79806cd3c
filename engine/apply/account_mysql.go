package apply

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/plugmig/plugmig/engine/roles"
	"github.com/plugmig/plugmig/internal/dbdriver"
)

// openAccount gives a MySQL plugin branch its account for this run — a new
// random password, grants reset to exactly SELECT and REFERENCES on core's
// and its dependencies' tables and all privileges on the plugin's tables
// (those that exist, the legacy names it claims and every plugin-prefixed
// name its pending files mention) — and opens the connection its files
// run on.
func (m *Migrator) openAccount(ctx context.Context, bp *BranchPlan, deps []string) error {
	if m.scratchURL == "" {
		return fmt.Errorf("branch %q: plugin files run as a per-plugin account on the target's server: configure apply.WithScratchURL (the CLI passes the target's URL)", bp.Branch)
	}
	a, err := roles.MyAccount(ctx, m.db, roles.Name(m.database, bp.Branch))
	if err != nil {
		return fmt.Errorf("branch %q: %w (the migrator needs CREATE USER and GRANT OPTION; or apply with --guard=observe, weaker)", bp.Branch, err)
	}
	tables, err := m.tables(ctx)
	if err != nil {
		return err
	}
	var names []string
	for t := range tables {
		names = append(names, t)
	}
	cl := roles.Classify(bp.Branch, deps, names, m.ownerOf)
	// Its tables, the names it claims without its prefix (they need not
	// exist yet) and every prefixed name its pending files mention.
	own := append(cl.Own, m.composer.Plugins().LegacyNames(bp.Branch)...)
	var text strings.Builder
	for _, f := range bp.Pending {
		own = append(own, roles.PrefixedNames(bp.Branch, string(f.Bytes()))...)
		text.Write(f.Bytes())
		text.WriteByte('\n')
	}
	// Without a trigger, view or event in its pending files, the account
	// gets no privilege to leave one: the server refuses them, so a file
	// may run without its check on a scratch database (plainMy).
	privs := roles.MyAll
	if !roles.MyLasting(text.String()) {
		privs = roles.MyPlain
	}
	if err := roles.MyGrant(ctx, m.db, a, m.database, cl.Read, own, privs); err != nil {
		return fmt.Errorf("branch %q: %w", bp.Branch, err)
	}
	if err := roles.MyGrantEvents(ctx, m.db, a, m.database, text.String()); err != nil {
		return fmt.Errorf("branch %q: %w", bp.Branch, err)
	}
	db, err := accountDB(m.scratchURL, m.database, a)
	if lerr := roles.MyLock(ctx, m.db, a); err == nil && lerr != nil {
		db.Close()
		err = lerr
	}
	if err != nil {
		return fmt.Errorf("branch %q: connect as its account %s: %w", bp.Branch, a, err)
	}
	bp.session = db
	bp.account = account{name: a.User + "@" + a.Host, own: own, plain: privs == roles.MyPlain}
	return nil
}

// account is a MySQL plugin branch's account for this run: its name as
// CURRENT_USER() gives it, the tables it was granted privileges on, and
// whether those are MyPlain.
type account struct {
	name  string
	own   []string
	plain bool
}

// accountDB opens a pool on database db of the server rawURL names, as
// account a.
func accountDB(rawURL, db string, a roles.Account) (*sql.DB, error) {
	t, err := dbdriver.ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	cfg, err := mysql.ParseDSN(t.DSN)
	if err != nil {
		return nil, fmt.Errorf("the target's URL: %s", dbdriver.Redact(rawURL))
	}
	cfg.User, cfg.Passwd, cfg.DBName = a.User, a.Password(), db
	cfg.MultiStatements = false // one statement per call, as Atlas splits them
	pool, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(1)
	if err := pool.Ping(); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}
