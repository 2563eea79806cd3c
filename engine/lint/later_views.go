package lint

import (
	"context"
	"fmt"
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
