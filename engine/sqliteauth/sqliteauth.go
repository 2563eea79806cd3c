// Package sqliteauth lets SQLite itself refuse what a plugin's migration
// must never do. While a plugin's statement is compiled, SQLite asks an
// authorizer callback about every table it reads or writes and every
// object it creates, alters or drops; this package answers from the
// plugin's ownership and denies the rest: writes and DDL on objects of
// another owner, ATTACH and DETACH, transaction control, every PRAGMA but
// the few Atlas's table rebuild uses, ANALYZE, writes to SQLite's own
// tables (sqlite_sequence, sqlite_master) outside the DDL that maintains
// them. A denied statement fails before it runs, so nothing of it happens;
// the [Denial] says what it tried.
//
// The callback is on the hot path of every statement: it answers from
// precomputed sets and a memo of ownership, without queries.
package sqliteauth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"

	"github.com/plugmig/plugmig/engine/internal/sqlq"
)

// Kind classifies a denial.
type Kind int

// Kinds of denials.
const (
	// Write is a row written to a table of another owner.
	Write Kind = iota
	// DDL creates, alters or drops an object of another owner.
	DDL
	// Name creates an object under a name another owner holds.
	Name
	// Sequence writes SQLite's sqlite_sequence (AUTOINCREMENT counters).
	Sequence
	// Escape reaches outside the file's transaction or database: ATTACH,
	// DETACH, transaction control, a PRAGMA, ANALYZE, SQLite's schema table.
	Escape
	// Several is a text holding more than one statement: each is judged
	// by itself, so one text must hold one.
	Several
	// Module creates a virtual table of a module that reaches outside the
	// table (sqlite_dbpage writes the file's raw pages, dbstat reads them).
	Module
	// Uncompiled is a trigger or view that SQLite cannot compile now: what
	// its body would do once it compiles can't be checked.
	Uncompiled
)

// Denial is one operation the authorizer refused (or, when checking what
// a trigger does, found).
type Denial struct {
	Kind Kind
	// What describes the operation ("DELETE FROM", "ATTACH", "PRAGMA writable_schema").
	What string
	// Object is the table, index, trigger or view, or the pragma's argument.
	Object string
	// Trigger is the trigger whose body does it, if any.
	Trigger string
}

func (d *Denial) Error() string {
	s := d.What
	if d.Object != "" {
		s += " " + d.Object
	}
	if d.Trigger != "" {
		s += " (in the body of trigger " + d.Trigger + ")"
	}
	return "refused by SQLite's authorizer: " + s
}

// Policy is what one branch may do.
type Policy struct {
	// Owns reports whether the branch owns a table, view, index or trigger
	// (names are lower-cased).
	Owns func(name string) bool
	// Foreign reports whether a name is held by another owner: an existing
	// object the branch does not own, or a name with another owner's prefix.
	Foreign func(name string) bool
	// Lenient allows what ownership would deny (lint runs a statement
	// whose finding a directive ignores on its scratch database); the
	// escapes stay denied.
	Lenient bool
}

// Authorizer is SQLite's authorizer on one connection. Off (no policy) it
// allows everything: the migrator's own statements run unhindered.
type Authorizer struct {
	policy  *Policy
	ddl     bool            // the statement being compiled is DDL
	created map[string]bool // objects the branch created while the policy was on
	owned   map[string]bool // memo of policy.Owns
	denial  *Denial
	fire    bool     // recording what trigger bodies write, not denying
	found   []Denial // trigger-body writes recorded in fire mode
}

// New returns an authorizer that allows everything until Run is given a
// policy.
func New() *Authorizer { return &Authorizer{} }

// Install registers the authorizer on the connection c.
func (a *Authorizer) Install(ctx context.Context, c *sql.Conn) error {
	return c.Raw(func(dc any) error {
		r, ok := dc.(sqlite.AuthorizerRegisterer)
		if !ok {
			return fmt.Errorf("the SQLite driver (%T) offers no authorizer", dc)
		}
		return r.RegisterAuthorizer(a.decide)
	})
}

// Uninstall removes any authorizer from the connection c.
func Uninstall(c *sql.Conn) error {
	return c.Raw(func(dc any) error {
		if r, ok := dc.(sqlite.AuthorizerRegisterer); ok {
			return r.RegisterAuthorizer(nil)
		}
		return nil
	})
}

// InstallPool registers the authorizer on the single connection of db, a
// pool limited to one connection (an in-memory dev database).
func (a *Authorizer) InstallPool(ctx context.Context, db *sql.DB) error {
	if db.Stats().MaxOpenConnections != 1 {
		return errors.New("sqliteauth: the pool must hold exactly one connection")
	}
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return a.Install(ctx, c)
}

// Reset forgets what the previous file created: call it before each file.
func (a *Authorizer) Reset() {
	a.created, a.owned = map[string]bool{}, map[string]bool{}
}

// Run compiles and runs one statement of a branch under p. A refused
// statement returns the *Denial (it did not run); any other error is
// exec's.
func (a *Authorizer) Run(p *Policy, stmt string, exec func() error) error {
	if !OneStatement(stmt) {
		return &Denial{Kind: Several, What: "more than one statement in one text"}
	}
	a.on(p, stmt)
	err := exec()
	d := a.off()
	if d != nil {
		return d
	}
	return err
}

// Fires compiles, without running them, statements that fire the
// triggers of a table or view (INSERT, UPDATE of every column, DELETE,
// via EXPLAIN; a view is also read) and returns what the trigger bodies
// would write outside the branch. SQLite resolves a trigger's body only
// when a statement fires it, so a body that does not compile now (a
// column or table that does not exist yet) could write anything once it
// does: such a statement is returned as an [Uncompiled] denial, the
// compile error its What. q must be the connection the authorizer is
// installed on.
func (a *Authorizer) Fires(ctx context.Context, p *Policy, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, table string) ([]Denial, error) {
	cols, _ := sqlq.Strings(ctx, q, "SELECT name FROM pragma_table_info(?)", table) // a broken view has none: INSERT and DELETE still fire its triggers
	t := Quote(table)
	stmts := []string{"SELECT * FROM " + t, "INSERT INTO " + t + " DEFAULT VALUES", "DELETE FROM " + t}
	if len(cols) > 0 {
		set := make([]string, len(cols))
		for i, c := range cols {
			set[i] = Quote(c) + " = " + Quote(c)
		}
		stmts = append(stmts, "UPDATE "+t+" SET "+strings.Join(set, ", "))
		stmts = append(stmts, "INSERT INTO "+t+" ("+Quote(cols[0])+") VALUES (NULL)")
	}
	a.found = nil
	var broken []Denial
	for _, s := range stmts {
		a.on(p, s)
		a.fire = true
		rows, err := q.QueryContext(ctx, "EXPLAIN "+s)
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		a.fire = false
		a.off()
		// A view without an INSTEAD OF trigger for the statement is not an
		// error of a trigger; any other view named is (a body writing a
		// view that has no trigger yet stops compiling there, before what
		// follows it).
		if err != nil && len(broken) == 0 && !strings.Contains(err.Error(), "cannot modify "+table+" because it is a view") {
			broken = append(broken, Denial{Kind: Uncompiled, What: s + ": " + err.Error(), Object: table})
		}
	}
	found := append(a.found, broken...)
	a.found = nil
	return found, nil
}

// Recompile compiles again, as [Fires] does, the triggers of every table
// and view the policy's branch owns, and every view it owns, and returns
// those that do not compile now (a later file dropped or changed what
// they name): call it after each of the branch's files.
func (a *Authorizer) Recompile(ctx context.Context, p *Policy, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]Denial, error) {
	targets, err := sqlq.Strings(ctx, q, "SELECT DISTINCT CASE type WHEN 'trigger' THEN tbl_name ELSE name END FROM sqlite_master WHERE type IN ('trigger', 'view') ORDER BY 1")
	if err != nil {
		return nil, fmt.Errorf("read triggers and views: %w", err)
	}
	var out []Denial
	for _, t := range targets {
		if a.created == nil {
			a.Reset()
		}
		a.policy = p
		owned := a.owns(strings.ToLower(t))
		a.policy = nil
		if !owned {
			continue
		}
		found, err := a.Fires(ctx, p, q, t)
		if err != nil {
			return nil, err
		}
		for _, d := range found {
			if d.Kind == Uncompiled {
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// Quote quotes an identifier for SQLite.
func Quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func (a *Authorizer) on(p *Policy, stmt string) {
	if a.created == nil {
		a.Reset()
	}
	a.policy, a.denial, a.ddl = p, nil, isDDL(stmt)
}

func (a *Authorizer) off() *Denial {
	d := a.denial
	a.policy, a.denial, a.ddl = nil, nil, false
	return d
}

// isDDL reports whether a statement starts with CREATE, DROP or ALTER:
// SQLite presents the writes to sqlite_master and sqlite_sequence that
// such a statement makes itself; the object it acts on is checked apart.
func isDDL(stmt string) bool {
	s := strings.TrimLeft(stripLeadingComments(stmt), " \t\r\n(")
	for _, kw := range []string{"CREATE", "DROP", "ALTER"} {
		if len(s) > len(kw) && strings.EqualFold(s[:len(kw)], kw) && !isIdent(s[len(kw)]) {
			return true
		}
	}
	return false
}

func isIdent(b byte) bool {
	return b == '_' || b == '$' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80
}

func stripLeadingComments(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		switch {
		case strings.HasPrefix(s, "--"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return ""
			}
			s = s[i+1:]
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s[2:], "*/")
			if i < 0 {
				return ""
			}
			s = s[i+4:]
		default:
			return s
		}
	}
}

// pragmas are the PRAGMAs a plugin statement may run: Atlas's table
// rebuild toggles foreign_keys (a no-op inside a transaction) and checks
// foreign keys afterwards; the others only read the schema.
var pragmas = map[string]bool{
	"foreign_keys": true, "foreign_key_check": true, "foreign_key_list": true,
	"table_info": true, "table_xinfo": true, "index_list": true, "index_info": true, "index_xinfo": true,
}

// bookkeeping are SQLite's own tables that a CREATE, DROP or ALTER
// statement writes itself (the schema, AUTOINCREMENT counters, ANALYZE's
// statistics of a dropped table); any other sqlite_ table (sqlite_dbpage,
// the raw pages of the file) is never written.
var bookkeeping = map[string]bool{
	"sqlite_master": true, "sqlite_schema": true, "sqlite_temp_master": true, "sqlite_temp_schema": true,
	"sqlite_sequence": true, "sqlite_stat1": true, "sqlite_stat4": true,
}

// modules are the virtual-table modules a plugin may use: they keep their
// data in shadow tables named after the virtual table (the plugin's
// prefix) and write nothing else. Every other module is refused, also one
// the driver happens to include (sqlite_dbpage rewrites the database
// file's raw pages, dbstat and the others read outside the table).
var modules = map[string]bool{"fts3": true, "fts4": true, "fts5": true, "rtree": true, "rtree_i32": true, "geopoly": true}

var onOff = map[string]bool{"": true, "on": true, "off": true, "0": true, "1": true, "true": true, "false": true, "yes": true, "no": true}

func (a *Authorizer) owns(name string) bool {
	if a.created[name] {
		return true
	}
	o, ok := a.owned[name]
	if !ok {
		o = a.policy.Owns(name)
		a.owned[name] = o
	}
	return o
}

func (a *Authorizer) deny(k Kind, what, object, trigger string) sqlite.AuthorizerReturnCode {
	d := Denial{Kind: k, What: what, Object: object, Trigger: trigger}
	if a.policy.Lenient && k != Escape && !a.fire {
		return sqlite.AuthorizerOK
	}
	if a.fire {
		if trigger != "" {
			a.found = append(a.found, d)
		}
		return sqlite.AuthorizerOK // compiled by EXPLAIN, never run
	}
	if a.denial == nil {
		a.denial = &d
	}
	return sqlite.AuthorizerDeny
}

// decide is the callback SQLite calls while compiling a statement.
func (a *Authorizer) decide(action sqlite.AuthorizerActionCode, arg1, arg2, dbName, trigger string) sqlite.AuthorizerReturnCode {
	if a.policy == nil {
		return sqlite.AuthorizerOK
	}
	n1, n2 := strings.ToLower(arg1), strings.ToLower(arg2)
	switch action {
	case sqlite.AuthRead, sqlite.AuthSelect, sqlite.AuthRecursive, sqlite.AuthFunction:
		return sqlite.AuthorizerOK
	case sqlite.AuthInsert, sqlite.AuthUpdate, sqlite.AuthDelete:
		what := "INSERT INTO"
		switch action {
		case sqlite.AuthUpdate:
			what = "UPDATE"
		case sqlite.AuthDelete:
			what = "DELETE FROM"
		}
		if dbName != "main" && dbName != "temp" {
			return a.deny(Escape, what, dbName+"."+arg1, trigger)
		}
		if strings.HasPrefix(n1, "sqlite_") {
			if a.ddl && trigger == "" && bookkeeping[n1] {
				return sqlite.AuthorizerOK // the schema bookkeeping of a CREATE, DROP or ALTER
			}
			if n1 == "sqlite_sequence" {
				return a.deny(Sequence, what, arg1, trigger)
			}
			return a.deny(Escape, what, arg1, trigger)
		}
		if a.owns(n1) {
			return sqlite.AuthorizerOK
		}
		return a.deny(Write, what, arg1, trigger)
	case sqlite.AuthCreateTempTable, sqlite.AuthCreateTempView:
		// A temporary object shadows a main one of the same name in every
		// later unqualified statement on the connection: only the
		// branch's own names.
		if a.owns(n1) {
			a.created[n1] = true
			return sqlite.AuthorizerOK
		}
		return a.deny(Name, "CREATE TEMP", arg1, trigger)
	case sqlite.AuthCreateVTable:
		// arg2 is the module: one that reaches outside the table it
		// serves is refused whatever the table is called.
		if !modules[n2] {
			return a.deny(Module, "CREATE VIRTUAL TABLE "+arg1+" USING", arg2, trigger)
		}
		fallthrough
	case sqlite.AuthCreateTable, sqlite.AuthCreateView:
		if strings.HasPrefix(n1, "sqlite_") && a.ddl && trigger == "" {
			// SQLite creating its own table: sqlite_sequence for the first
			// AUTOINCREMENT column (a statement can't name sqlite_*).
			return sqlite.AuthorizerOK
		}
		if a.owns(n1) || !a.policy.Foreign(n1) {
			a.created[n1] = true
			return sqlite.AuthorizerOK
		}
		return a.deny(Name, "CREATE", arg1, trigger)
	case sqlite.AuthCreateIndex, sqlite.AuthCreateTempIndex, sqlite.AuthCreateTrigger, sqlite.AuthCreateTempTrigger:
		if action == sqlite.AuthCreateTempTrigger && a.owns(n2) {
			// It would stay on the connection after the file, unchecked
			// (it is not in sqlite_master), and the pool hands that
			// connection to the application next.
			return a.deny(Escape, "CREATE TEMP TRIGGER", arg1, trigger)
		}
		if a.owns(n2) {
			// SQLite names the index of a UNIQUE or non-integer PRIMARY KEY
			// constraint itself (sqlite_autoindex_<table>_N): it belongs
			// to the table's owner, already checked.
			if strings.HasPrefix(n1, "sqlite_autoindex_") || !a.policy.Foreign(n1) {
				a.created[n1] = true
				return sqlite.AuthorizerOK
			}
			return a.deny(Name, "CREATE", arg1, trigger)
		}
		return a.deny(DDL, fmt.Sprintf("creates %s %q on table", kindOf(action), arg1), arg2, trigger)
	case sqlite.AuthDropTable, sqlite.AuthDropTempTable, sqlite.AuthDropView, sqlite.AuthDropTempView, sqlite.AuthDropVTable:
		if a.owns(n1) {
			return sqlite.AuthorizerOK
		}
		return a.deny(DDL, "drops "+kindOf(action), arg1, trigger)
	case sqlite.AuthDropIndex, sqlite.AuthDropTempIndex, sqlite.AuthDropTrigger, sqlite.AuthDropTempTrigger:
		if a.owns(n2) {
			return sqlite.AuthorizerOK
		}
		return a.deny(DDL, fmt.Sprintf("drops %s %q on table", kindOf(action), arg1), arg2, trigger)
	case sqlite.AuthAlterTable:
		if strings.EqualFold(arg1, "temp") {
			// SQLite asks only about the old name of a RENAME: a temporary
			// table renamed core__users would stand in for core's on the
			// connection the pool hands the application next.
			return a.deny(Escape, "ALTER TABLE", "temp."+arg2, trigger)
		}
		if a.owns(n2) {
			return sqlite.AuthorizerOK
		}
		return a.deny(DDL, "alters table", arg2, trigger)
	case sqlite.AuthPragma:
		if pragmas[n1] && (n1 != "foreign_keys" || onOff[n2]) {
			return sqlite.AuthorizerOK
		}
		what := "PRAGMA " + arg1
		if arg2 != "" {
			what += " = " + arg2
		}
		return a.deny(Escape, what, "", trigger)
	case sqlite.AuthAttach:
		return a.deny(Escape, "ATTACH", arg1, trigger)
	case sqlite.AuthDetach:
		return a.deny(Escape, "DETACH", arg1, trigger)
	case sqlite.AuthTransaction:
		return a.deny(Escape, arg1+" (transaction control)", "", trigger)
	case sqlite.AuthSavepoint:
		return a.deny(Escape, "SAVEPOINT "+arg1, arg2, trigger)
	case sqlite.AuthAnalyze:
		return a.deny(Escape, "ANALYZE", arg1, trigger)
	case sqlite.AuthReindex:
		if a.owns(n1) {
			return sqlite.AuthorizerOK
		}
		return a.deny(DDL, "reindexes", arg1, trigger)
	}
	return a.deny(Escape, fmt.Sprintf("operation %d", action), arg1, trigger)
}

// kindOf names the kind of object a DDL action is about.
func kindOf(action sqlite.AuthorizerActionCode) string {
	switch action {
	case sqlite.AuthCreateIndex, sqlite.AuthCreateTempIndex, sqlite.AuthDropIndex, sqlite.AuthDropTempIndex:
		return "index"
	case sqlite.AuthCreateTrigger, sqlite.AuthCreateTempTrigger, sqlite.AuthDropTrigger, sqlite.AuthDropTempTrigger:
		return "trigger"
	case sqlite.AuthDropView, sqlite.AuthDropTempView:
		return "view"
	case sqlite.AuthDropVTable:
		return "virtual table"
	}
	return "table"
}
