package lint

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/plugmig/plugmig/engine/internal/lazyre"
)

// A PostgreSQL trigger function may leave its writes to functions it
// calls (PERFORM image__log(), SELECT image__wipe() ...), which PostgreSQL
// does not record as dependencies. followCalls reads the bodies of the
// current schema's SQL and PL/pgSQL functions a body calls, transitively,
// so that PL108 sees what they write too.

const pgFunctionBodies = `SELECT p.proname, l.lanname, p.prosrc, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind IN ('f', 'p')`

var callRe = lazyre.New(`(` + identRe + `)\s*\(`)

// functionBodies returns the current schema's functions by name (every
// overload's body under one name).
func functionBodies(ctx context.Context, q querier) (map[string][]body, error) {
	rows, err := q.QueryContext(ctx, pgFunctionBodies)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	fns := map[string][]body{}
	for rows.Next() {
		b := body{kind: "function"}
		if err := rows.Scan(&b.name, &b.lang, &b.text, &b.fn); err != nil {
			return nil, err
		}
		fns[b.name] = append(fns[b.name], b)
	}
	return fns, rows.Err()
}

// calledTarget is a table written by a function a body calls.
type calledTarget struct {
	table, via string
}

// followCalls returns the tables the functions that b calls write,
// transitively, naming the function that writes each, and whether one of
// them runs code that can't be read.
func followCalls(b body, fns map[string][]body) (targets []calledTarget, opaque bool) {
	seen := map[string]bool{}
	if i := strings.IndexByte(b.fn, '('); i > 0 {
		seen[b.fn[:i]] = true // the trigger function itself
	}
	queue := []string{b.text}
	for len(queue) > 0 {
		code := bodyCode("postgres", queue[0])
		queue = queue[1:]
		for _, m := range callRe.FindAllStringSubmatch(code, -1) {
			name := unquoteIdent("postgres", m[1])
			if seen[name] {
				continue
			}
			seen[name] = true
			for _, fb := range fns[name] {
				ts, op := bodyTargets("postgres", fb)
				opaque = opaque || op || bodyUtility("postgres", fb) != ""
				for _, t := range ts {
					targets = append(targets, calledTarget{table: t, via: name})
				}
				queue = append(queue, fb.text)
			}
		}
	}
	return targets, opaque
}

// laterFunctions is PL108 for the plugin's own PostgreSQL functions the
// statement created or changed: whoever calls one later — a default, a
// check, an index expression or a trigger of the plugin's tables, or the
// application — runs its body with their own privileges, so a body (or a
// function it calls) that writes what the plugin does not own, or runs a
// schema change, needs the same directive as a trigger.
func (w *walker) laterFunctions(fns map[string][]body, changed map[string]bool, fb Finding) []Finding {
	var out []Finding
	names := make([]string, 0, len(fns))
	for n := range fns {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		for _, b := range fns[n] {
			if !changed["function "+b.fn] || w.l.Project.OwnerOf(b.name, w.created) != w.branch {
				continue
			}
			if b.lang != "plpgsql" && b.lang != "sql" {
				continue // C and untrusted languages can't be created by the plugin's role
			}
			// Dynamic SQL (EXECUTE) can't be read: whoever calls the
			// function later runs the string it builds with their own
			// privileges — the migrator or the application, through a
			// view, default or policy of the plugin's — so it needs the
			// directive like a trigger's.
			targets, via, opaque := writesOf("postgres", b, fns)
			if opaque && !w.laterSeen["function "+b.fn+"?"] {
				w.laterSeen["function "+b.fn+"?"] = true
				out = append(out, fb.with(CodeLater, b.name, w.branch, fmt.Sprintf("function %s runs code that can't be read (dynamic SQL or a procedure call, in it or in a function it calls): whoever calls it later (a view, default, check, policy or trigger of the plugin's, the application, or apply itself) runs it with their own privileges, outside any migration; write it as plain statements on the plugin's own tables, or after checking it by hand add -- plugmig:allow writes-core-later: <reason>", b.fn)))
			}
			if u := bodyUtility("postgres", b); u != "" && !w.laterSeen["function "+b.fn+"!"] {
				w.laterSeen["function "+b.fn+"!"] = true
				out = append(out, fb.with(CodeLater, b.name, w.branch, fmt.Sprintf("function %s runs %s (a schema change, a setting, or a server function): whoever calls it later (a default, check, index expression or trigger of the plugin's tables, or the application) runs it with their own privileges, outside any migration; do schema changes in migrations, or after checking it by hand add -- plugmig:allow writes-core-later: <reason>", b.fn, u)))
			}
			for _, t := range targets {
				owner := w.l.Project.OwnerOf(t, w.created)
				key := "function " + b.fn + " " + t
				if owner == w.branch || w.laterSeen[key] {
					continue
				}
				w.laterSeen[key] = true
				through := ""
				if f := via[t]; f != "" {
					through = fmt.Sprintf(" (through function %q, which it calls)", f)
				}
				out = append(out, fb.with(CodeLater, t, owner, fmt.Sprintf("function %s writes table %q%s, owned by %s: whoever calls it later (a default, check, index expression or trigger of the plugin's tables, or the application) changes it outside any migration and any check; write only the plugin's own tables, or after checking it by hand add -- plugmig:allow writes-core-later: <reason>", b.fn, t, through, describeOwner(owner))))
			}
		}
	}
	return out
}

// writesOf returns the tables a body writes and, with fns (PostgreSQL's
// functions by name), those the functions it calls write, transitively;
// via names the function that writes each table the body does not write
// itself. opaque: some of that code can't be read.
func writesOf(dialect string, b body, fns map[string][]body) (targets []string, via map[string]string, opaque bool) {
	targets, opaque = bodyTargets(dialect, b)
	via = map[string]string{}
	if fns == nil {
		return targets, via, opaque
	}
	called, op := followCalls(b, fns)
	for _, c := range called {
		if _, ok := via[c.table]; !ok && !slices.Contains(targets, c.table) {
			via[c.table] = c.via
			targets = append(targets, c.table)
		}
	}
	return targets, via, opaque || op
}
