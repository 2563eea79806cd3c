package lint

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/engine/internal/sqlq"
	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/engine/sqliteauth"
)

// Authorize makes SQLite's authorizer a, installed on the connection the
// branch's file runs on, refuse what the branch may not do while each of
// its statements runs (see Exec and Watch).
func (g *Guard) Authorize(a *sqliteauth.Authorizer) {
	g.auth = a
	if a != nil {
		a.Reset()
	}
}

// Check refuses, before anything of it runs, a file that controls its
// transaction or the session's identity (PL107), or creates a MySQL event
// without -- plugmig:allow writes-core-later (PL108). It also reads the
// statements' directives for the watch.
func (g *Guard) Check(f migrate.File) error {
	stmts, err := migdir.Stmts(g.dialect, f)
	if err != nil {
		return err
	}
	g.later = map[string]bool{}
	for _, st := range stmts {
		if parseDirectives(st.Comments).allowLater {
			g.later[st.Text] = true
		}
	}
	fs := escapes(g.dialect, f, stmts, Finding{Severity: Error, Branch: g.branch, Dialect: g.dialect})
	// A GRANT on what the branch does not own: PostgreSQL only warns of it.
	w := &walker{l: g.l, dialect: g.dialect, branch: g.branch}
	for _, st := range stmts {
		fs = append(fs, w.grants(st.Text, Finding{Severity: Error, Branch: g.branch, Dialect: g.dialect, Statement: oneLine(st.Text)})...)
	}
	if len(fs) > 0 {
		return &GuardError{Findings: fs, Before: true}
	}
	return nil
}

// Exec runs one statement of a file the guard does not watch (plain DDL on
// the branch's own objects) under SQLite's authorizer, if there is one: a
// refused statement returns a *GuardError and did not run.
func (g *Guard) Exec(ctx context.Context, q querier, stmt string, exec func() error) error {
	if g.auth == nil {
		return exec()
	}
	w := &walker{l: g.l, q: q, dialect: g.dialect, probe: sqliteProbe{}, branch: g.branch, created: map[string]string{}}
	if g.policy == nil {
		// A file not watched is plain DDL on names with the branch's prefix
		// (Trivial), and "new_<prefix>..." for Atlas's rebuild: any other
		// name no branch owns is refused, with no catalog read (this is the
		// hot path of every plain plugin file).
		ownerOf := func(n string) string { return g.l.Project.OwnerOf(n, nil) }
		rebuild := "new_" + strings.ToLower(plugin.Prefix(g.branch))
		g.policy = &sqliteauth.Policy{
			Owns: func(n string) bool { return ownerOf(n) == g.branch },
			Foreign: func(n string) bool {
				o := ownerOf(n)
				return o != g.branch && (o != "" || !strings.HasPrefix(n, rebuild) && ownerOf(strings.TrimPrefix(n, "new_")) != g.branch)
			},
		}
	}
	err := g.auth.Run(g.policy, stmt, exec)
	var d *sqliteauth.Denial
	if errors.As(err, &d) {
		return &GuardError{Findings: []Finding{w.denied(d, Finding{Severity: Error, Branch: g.branch, Dialect: g.dialect, Statement: oneLine(stmt)})}}
	}
	return err
}

// authorized runs a watched statement under the authorizer and, after it,
// returns SQLite's refusal as a *GuardError.
func (wt *Watch) authorized(stmt string, fb Finding, exec func() error) error {
	w := wt.w
	if w.auth == nil {
		return exec()
	}
	err := w.auth.Run(w.policy(w.branch, wt.before), stmt, exec)
	var d *sqliteauth.Denial
	if errors.As(err, &d) {
		return &GuardError{Findings: []Finding{w.denied(d, fb)}}
	}
	return err
}

// Recompile refuses the file (PL122) when a trigger or view on the
// branch's objects does not compile once it ran: SQLite resolves a
// trigger's body only when a statement fires it, so a body this file made
// uncompilable (or that never compiled) could write anything once a later
// file makes it compile. q is the file's transaction on the connection
// the authorizer is installed on; call it after the file's statements.
func (g *Guard) Recompile(ctx context.Context, q querier) error {
	if g.auth == nil {
		return nil
	}
	ownerOf := func(n string) string { return g.l.Project.OwnerOf(n, nil) }
	p := &sqliteauth.Policy{
		Owns:    func(n string) bool { return ownerOf(n) == g.branch },
		Foreign: func(n string) bool { return ownerOf(n) != g.branch },
	}
	fb := Finding{Severity: Error, Branch: g.branch, Dialect: g.dialect}
	fs, err := recompiled(ctx, g.auth, p, q, fb)
	if err != nil {
		return err
	}
	left, err := g.rebuildsLeft(ctx, q, fb)
	if err != nil {
		return err
	}
	fs = append(fs, left...)
	if len(fs) > 0 {
		return &GuardError{Findings: fs}
	}
	return nil
}

// rebuildsLeft returns a PL102 finding for each table named
// "new_<prefix>..." (or "new_" and a table name the plugin claims) still
// there after a file: the authorizer lets a plugin create such a table
// only for Atlas's rebuild, which renames it back in the same file, so
// one left is a table named outside the plugin.
func (g *Guard) rebuildsLeft(ctx context.Context, q querier, fb Finding) ([]Finding, error) {
	pattern := "new_" + plugin.Prefix(g.branch)
	names, err := sqlq.Strings(ctx, q, `SELECT name FROM sqlite_master WHERE type = 'table' AND substr(lower(name), 1, ?) = lower(?)`, len(pattern), pattern)
	if err != nil {
		return nil, fmt.Errorf("ownership guard: read the tables left: %w", err)
	}
	for _, legacy := range g.l.Project.Composer.Plugins().LegacyNames(g.branch) {
		more, err := sqlq.Strings(ctx, q, `SELECT name FROM sqlite_master WHERE type = 'table' AND lower(name) = lower(?)`, "new_"+legacy)
		if err != nil {
			return nil, fmt.Errorf("ownership guard: read the tables left: %w", err)
		}
		names = append(names, more...)
	}
	var out []Finding
	for _, n := range names {
		f := fb
		f.Statement = AfterFile
		out = append(out, f.with(CodePrefix, n, "", fmt.Sprintf("leaves table %q: a name starting with new_ is only for Atlas's rebuild of one of the plugin's tables, renamed back in the same file; name it %s<name>", n, plugin.Prefix(g.branch))))
	}
	return out, nil
}
