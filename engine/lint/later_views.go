package lint

import (
	"context"
	"fmt"
	"sort"
)

// A PostgreSQL view checks the privileges on the tables it reads as its
// owner — the plugin's role, which may not write core — unless it is
// declared security_invoker: then a write through it (by a trigger, rule
// or function of the plugin, fired later by the application, or by the
// application itself) is checked against whoever writes, and PL108's
// reading of write targets sees only the plugin's view. So a plugin view
// with security_invoker over a table the plugin does not own is PL108
// unless -- plugmig:allow writes-core-later says why.

const pgInvokerViews = `SELECT DISTINCT v.relname, t.relname FROM pg_class v
JOIN pg_rewrite r ON r.ev_class = v.oid
JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
JOIN pg_class t ON t.oid = d.refobjid AND t.oid <> v.oid
WHERE v.relnamespace = current_schema()::regnamespace AND v.relkind = 'v'
AND EXISTS (SELECT 1 FROM unnest(v.reloptions) o WHERE o ~* '^security_invoker=(true|on|yes|1|t|y)')
ORDER BY 1, 2`

// laterViews is PL108 for the security_invoker views of the branch that
// the statement created or changed and that read a table it does not own.
func (w *walker) laterViews(ctx context.Context, before, after map[string]object, fb Finding) ([]Finding, error) {
	changed := map[string]bool{}
	for k, a := range after {
		if b, ok := before[k]; a.Kind == "view" && (!ok || b.Sig != a.Sig) {
			changed[a.Name] = true
		}
	}
	if len(changed) == 0 {
		return nil, nil
	}
	rows, err := w.q.QueryContext(ctx, pgInvokerViews)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		var view, table string
		if err := rows.Scan(&view, &table); err != nil {
			return nil, err
		}
		owner := w.l.Project.OwnerOf(table, w.created)
		key := "view " + view + " " + table
		if !changed[view] || w.l.Project.OwnerOf(view, w.created) != w.branch || owner == w.branch || w.laterSeen[key] {
			continue
		}
		w.laterSeen[key] = true
		out = append(out, fb.with(CodeLater, table, owner, fmt.Sprintf("view %q is security_invoker over table %q, owned by %s: a write through it later (by a trigger, rule or function of the plugin, or the application) is checked against the writer's privileges instead of the plugin's, outside any migration and any check; drop security_invoker, or after checking it by hand add -- plugmig:allow writes-core-later: <reason>", view, table, describeOwner(owner))))
	}
	return out, rows.Err()
}

// laterServerCalls is PL108 for the expressions of the branch's objects
// the statement created or changed — column defaults and generated
// columns, checks, index expressions, policies, views, rules, trigger
// conditions — that call a server function only a superuser may run
// (serverCall): the application evaluates them later with its own
// privileges when it writes or reads the plugin's tables.
func (w *walker) laterServerCalls(before, after map[string]object, fb Finding) []Finding {
	keys := make([]string, 0, len(after))
	for k := range after {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Finding
	for _, k := range keys {
		a := after[k]
		switch a.Kind {
		case "table", "view", "constraint", "index", "policy", "rule", "trigger":
		default:
			continue
		}
		if b, ok := before[k]; ok && b.Sig == a.Sig {
			continue
		}
		on := a.Name
		if a.Table != "" {
			on = a.Table
		}
		if w.l.Project.OwnerOf(on, w.created) != w.branch {
			continue
		}
		m := serverCall.FindStringSubmatch(blankStrings(a.Sig))
		if m == nil || w.laterSeen[k+"()"] {
			continue
		}
		w.laterSeen[k+"()"] = true
		out = append(out, fb.with(CodeLater, on, w.branch, fmt.Sprintf("%s %q calls %s(), a server function only a superuser may run: the application evaluates it later, when it reads or writes the plugin's tables, with its own privileges (in development often a superuser), outside any migration; leave server functions out of the plugin's objects, or after checking it by hand add -- plugmig:allow writes-core-later: <reason>", a.Kind, a.Name, m[1])))
	}
	return out
}
