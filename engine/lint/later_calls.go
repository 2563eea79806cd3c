package lint

import (
	"context"
	"regexp"
	"strings"
)

// A PostgreSQL trigger function may leave its writes to functions it
// calls (PERFORM image__log(), SELECT image__wipe() ...), which PostgreSQL
// does not record as dependencies. followCalls reads the bodies of the
// current schema's SQL and PL/pgSQL functions a body calls, transitively,
// so that PL108 sees what they write too.

const pgFunctionBodies = `SELECT p.proname, l.lanname, p.prosrc FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind IN ('f', 'p')`

var callRe = regexp.MustCompile(`(` + identRe + `)\s*\(`)

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
		if err := rows.Scan(&b.name, &b.lang, &b.text); err != nil {
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
		code := blankStrings(codeText("postgres", queue[0]))
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
