package lint

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/engine/sqliteauth"
)

// policy is what branch may do on SQLite: write and change the objects it
// owns (by name, or created by its history), create objects under names
// no other owner holds. existing are the objects there now.
func (w *walker) policy(branch string, existing map[string]object) *sqliteauth.Policy {
	names := make(map[string]bool, len(existing))
	for _, o := range existing {
		names[strings.ToLower(o.Name)] = true
	}
	return sqliteauth.OwnerPolicy(branch, func(name string) string { return w.l.Project.OwnerOf(name, w.created) }, names)
}

// denied turns SQLite's refusal of a statement into a finding that names
// the object and its owner.
func (w *walker) denied(d *sqliteauth.Denial, fb Finding) Finding {
	owner := ""
	if d.Object != "" {
		owner = w.l.Project.OwnerOf(strings.ToLower(d.Object), w.created)
	}
	via := ""
	if d.Trigger != "" {
		via = fmt.Sprintf(" (through trigger %q, which the statement fires)", d.Trigger)
	}
	switch d.Kind {
	case sqliteauth.Write:
		return fb.with(CodeForeignWrite, d.Object, owner, fmt.Sprintf("writes rows of table %q%s, owned by %s: refused by SQLite's authorizer; a plugin changes data only in its own tables (seed rows are declared in plugin.Register's Seeds)", d.Object, via, describeOwner(owner)))
	case sqliteauth.DDL:
		return fb.with(CodeNotOwned, d.Object, owner, fmt.Sprintf("%s %q, owned by %s: %s (refused by SQLite's authorizer)", d.What, d.Object, describeOwner(owner), w.remedy(owner)))
	case sqliteauth.Name:
		return fb.with(CodePrefix, d.Object, owner, fmt.Sprintf("creates %q, a name owned by %s: refused by SQLite's authorizer; everything plugin %q creates is named %s...", d.Object, describeOwner(owner), w.branch, w.branch+"__"))
	case sqliteauth.Several:
		return fb.with(CodeOneStatement, "", "", "this text holds more than one statement: SQLite would run them all, and each must be judged by itself; end each statement with the file's delimiter (or drop the atlas:delimiter directive), one statement per text")
	case sqliteauth.Module:
		return fb.with(CodeModule, d.Object, "", fmt.Sprintf("%s %s: refused by SQLite's authorizer; module %q reaches outside the virtual table (raw pages of the database file, other tables): a plugin may use fts5 (also fts3, fts4), rtree, rtree_i32 or geopoly, or an ordinary table", d.What, d.Object, d.Object))
	case sqliteauth.Sequence:
		return fb.with(CodeSequence, "sqlite_sequence", "", fmt.Sprintf("%s sqlite_sequence%s (the AUTOINCREMENT counters of every table): refused by SQLite's authorizer; SQLite maintains it", d.What, via))
	}
	obj := ""
	if d.Object != "" {
		obj = " " + d.Object
	}
	return fb.with(CodeEscape, d.Object, "", fmt.Sprintf("%s%s%s: refused by SQLite's authorizer; a plugin file may not attach or detach databases, control the transaction, change the database with a PRAGMA, ANALYZE, or write SQLite's own tables", d.What, obj, via))
}

// later checks the triggers a statement created or changed (PostgreSQL
// and MySQL: see laterText). On SQLite, statements
// that fire them are compiled (never run) with the authorizer on, and a
// trigger body that writes a table the branch does not own is PL108 — it
// would change core later, outside any migration — unless allowed.
func (w *walker) later(ctx context.Context, before, after map[string]object, fb Finding, allowed bool) ([]Finding, error) {
	if w.dialect != "sqlite" {
		out, err := w.laterText(ctx, before, after, fb, allowed)
		if err != nil || w.dialect != "mysql" || !changed(before, after) {
			return out, err
		}
		more, err := w.laterMySQL(ctx, before, after, fb) // whatever the directive: it allows writes, not these
		return append(out, more...), err
	}
	if w.auth == nil {
		return nil, nil
	}
	tables := map[string]bool{}
	for k, a := range after {
		if a.Kind != "trigger" && a.Kind != "view" {
			continue
		}
		if b, ok := before[k]; !ok || b.Sig != a.Sig {
			if a.Kind == "view" {
				tables[a.Name] = true
			} else {
				tables[a.Table] = true
			}
		}
	}
	if len(tables) == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(tables))
	for t := range tables {
		names = append(names, t)
	}
	sort.Strings(names)
	p := w.policy(w.branch, after)
	var out []Finding
	seen := map[string]bool{}
	for _, t := range names {
		found, err := w.auth.Fires(ctx, p, w.q, t)
		if err != nil {
			return nil, err
		}
		for _, d := range found {
			if d.Kind == sqliteauth.Uncompiled {
				out = append(out, uncompiled(fb, d))
				continue
			}
			key := d.Trigger + " " + d.What + " " + d.Object
			if seen[key] || allowed {
				continue
			}
			seen[key] = true
			owner := w.l.Project.OwnerOf(strings.ToLower(d.Object), w.created)
			out = append(out, fb.with(CodeLater, d.Object, owner, fmt.Sprintf("trigger %q on %q: its body does %s %s, owned by %s: it would change it later, outside any migration and any check; write only the plugin's own tables, or after checking it by hand add -- plugmig:allow writes-core-later: <reason>", d.Trigger, t, d.What, d.Object, describeOwner(owner))))
		}
	}
	return out, nil
}

// replayDriver is the driver a file of owner's history is replayed with:
// on SQLite, a plugin's files run under the authorizer with the plugin's
// policy, as they did when they were linted and applied.
func (w *walker) replayDriver(ctx context.Context, owner string) (migrate.Driver, error) {
	if w.auth == nil || owner == plugin.Core {
		return w.drv, nil
	}
	now, err := w.probe.objects(ctx, w.q)
	if err != nil {
		return nil, err
	}
	if w.replaying != owner {
		w.auth.Reset() // names an owner's earlier files created stay its own
		w.replaying = owner
	}
	return sqliteauth.Driver{Driver: w.drv, Auth: w.auth, Policy: w.policy(owner, now)}, nil
}

// uncompiled is PL122 for a trigger or view SQLite can't compile now.
func uncompiled(fb Finding, d sqliteauth.Denial) Finding {
	return fb.with(CodeUncompiled, d.Object, "", fmt.Sprintf("the triggers or view of %q do not compile now (%s): SQLite resolves a trigger's body when a statement fires it, so what it would write once it compiles can't be checked; create triggers and views after the tables and columns they name, and drop or replace them in the file that drops or renames what they name", d.Object, d.What))
}

// recompiled is PL122 for the branch's triggers and views that no longer
// compile after a file (SQLite): fb is the file's finding.
func recompiled(ctx context.Context, a *sqliteauth.Authorizer, p *sqliteauth.Policy, q querier, fb Finding) ([]Finding, error) {
	ds, err := a.Recompile(ctx, p, q)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, d := range ds {
		out = append(out, uncompiled(fb, d))
	}
	return out, nil
}

// changed reports whether a statement changed the catalog.
func changed(before, after map[string]object) bool {
	if len(before) != len(after) {
		return true
	}
	for k, a := range after {
		if b, ok := before[k]; !ok || b.Sig != a.Sig {
			return true
		}
	}
	return false
}
