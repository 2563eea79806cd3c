package lint

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/plugmig/plugmig/engine/internal/lazyre"
)

// Later effects: a trigger, rule or event runs after the migration, on
// the application's writes, outside any check. A plugin's trigger or rule
// on its own objects whose body writes a table the plugin does not own is
// PL108 unless -- plugmig:allow writes-core-later says why. SQLite's
// bodies are checked by SQLite itself (statements that fire them are
// compiled under the authorizer, see authorizer_sqlite.go); PostgreSQL's
// trigger functions and rules, and MySQL's trigger bodies, are read from
// the catalog and their write targets taken from the text.

var (
	writeTarget = lazyre.New(`(?i)\b(?:INSERT\s+(?:IGNORE\s+)?INTO|INSERT\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+IGNORE)?(?:\s+ONLY)?|DELETE\s+(?:IGNORE\s+)?FROM(?:\s+ONLY)?|TRUNCATE(?:\s+TABLE)?(?:\s+ONLY)?|MERGE\s+INTO|COPY)\s+(` + identRe + `(?:\s*\.\s*` + identRe + `)?)`)
	qualified   = lazyre.New(`(?s)^` + identRe + `\s*\.\s*(` + identRe + `)$`)
	notTarget   = map[string]bool{"SET": true, "OF": true, "NOWAIT": true, "SKIP": true, "TO": true, "ON": true, "FROM": true}
	// Dynamic SQL and procedure calls in a body can't be read.
	dynamicBody = lazyre.New(`(?i)\b(EXECUTE|PREPARE|CALL|dblink\w*)\b`)
	// Schema changes and other utility statements in a body would run
	// later with the privileges of whoever fires it (the application).
	utilityBody = lazyre.New(`(?i)\b(CREATE|ALTER|DROP|GRANT|REVOKE|REASSIGN|COPY|LOAD|IMPORT|SECURITY\s+LABEL|CLUSTER|REINDEX|VACUUM|LOCK\s+TABLE|SET\s+(?:(?:LOCAL|SESSION)\s+)?(?:ROLE|SESSION\s+AUTHORIZATION)|RESET)\b`)
)

// Server functions (PostgreSQL) that only a superuser or a role granted
// them may run: files, large objects, settings, other sessions,
// replication. The plugin's role can't run them during its migration, but
// a trigger or function of its calling one runs it later with the
// privileges of whoever fires it — in development often a superuser:
// lo_export writes any file the server may write (its configuration,
// then pg_reload_conf).
var serverCall = lazyre.New(`(?i)\b(lo_\w+|lo(?:read|write|import|export)|pg_read_\w*file|pg_ls_\w+|pg_stat_file|pg_file_\w+|pg_reload_conf|pg_rotate_logfile\w*|pg_terminate_backend|pg_cancel_backend|pg_signal_backend|set_config|pg_promote|pg_switch_wal|pg_\w*replication_\w+|pg_logical_emit_message|pg_\w*backup|pg_create_restore_point|pg_import_system_collations|pg_wal_replay_\w+|dblink\w*)\s*\(`)

// bodyUtility returns the first schema change or utility statement
// keyword, or server function call, in a body ("" for none).
func bodyUtility(dialect string, b body) string {
	code := bodyCode(dialect, b.text)
	if u := utilityBody.Regexp().FindString(code); u != "" {
		return strings.ToUpper(u)
	}
	if dialect == "postgres" {
		if m := serverCall.FindStringSubmatch(code); m != nil {
			return m[1] + "()"
		}
	}
	return ""
}

// body is one trigger's or rule's code.
type body struct {
	kind, name, table, lang, text string
	fn                            string // a trigger's function, as the catalog names it
}

// bodyTargets returns the tables a body's statements write, and whether
// it runs SQL that can't be read (dynamic SQL, another language).
func bodyTargets(dialect string, b body) (targets []string, opaque bool) {
	if b.lang != "" && b.lang != "plpgsql" && b.lang != "sql" {
		return nil, true
	}
	code := bodyCode(dialect, b.text)
	if dynamicBody.MatchString(code) {
		opaque = true
	}
	for _, m := range writeTarget.FindAllStringSubmatch(code, -1) {
		id := m[1]
		if q := qualified.FindStringSubmatch(id); q != nil {
			id = q[1] // schema.table
		}
		if notTarget[strings.ToUpper(id)] {
			continue
		}
		if t := unquoteIdent(dialect, id); !slices.Contains(targets, t) {
			targets = append(targets, t) // read twice (bodyCode): once each
		}
	}
	return targets, opaque
}

// bodyCode is a body's code as the scans read it: without comments and
// with string literals blanked (so a word in one is not read as code), and
// then the raw text as well. Lexing a body as the server does is not ours
// to get right: quoting depends on settings (an E-string or, with
// standard_conforming_strings off, any string takes backslash escapes;
// MySQL's ANSI_QUOTES and NO_BACKSLASH_ESCAPES), and a reader that lexes
// a dollar-quoted string, a quoted identifier holding a quote or a nested
// comment otherwise than the server blanks real code as a string or
// comment. Read raw too, nothing can hide there; the price is a finding
// for a word the body only mentions, which its author explains with the
// directive or rewords.
func bodyCode(dialect, text string) string {
	return blankStrings(codeText(dialect, text)) + "\n" + text
}

// blankStrings replaces the contents of string literals with spaces, so
// a word inside one is not read as code.
func blankStrings(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		if b[i] != '\'' {
			continue
		}
		for j := i + 1; j < len(b); j++ {
			if b[j] == '\'' {
				i = j
				break
			}
			b[j] = ' '
		}
	}
	return string(b)
}

func unquoteIdent(dialect string, id string) string {
	switch {
	case strings.HasPrefix(id, `"`):
		return strings.ReplaceAll(strings.Trim(id, `"`), `""`, `"`)
	case strings.HasPrefix(id, "`"):
		return strings.Trim(id, "`")
	}
	return strings.ToLower(id)
}

const (
	pgBodies = `SELECT 'trigger', t.tgname, c.relname, l.lanname, p.prosrc, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_language l ON l.oid = p.prolang
WHERE NOT t.tgisinternal AND n.nspname = current_schema() AND t.tgname <> 'plugmig_lint_w'
UNION ALL
SELECT 'rule', rulename, tablename, '', definition, '' FROM pg_rules WHERE schemaname = current_schema()`
	mysqlBodies = `SELECT 'trigger', TRIGGER_NAME, EVENT_OBJECT_TABLE, '', ACTION_STATEMENT, '' FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()`
)

// bodies reads the triggers' and rules' code (PostgreSQL, MySQL).
func bodies(ctx context.Context, q querier, dialect string) ([]body, error) {
	query := map[string]string{"postgres": pgBodies, "mysql": mysqlBodies}[dialect]
	if query == "" {
		return nil, nil
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []body
	for rows.Next() {
		var b body
		if err := rows.Scan(&b.kind, &b.name, &b.table, &b.lang, &b.text, &b.fn); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// laterText is PL108 for the triggers and rules on the branch's tables
// (PostgreSQL, MySQL) whose bodies write what it does not own. It reads
// them when a statement created or changed a trigger, rule or function.
func (w *walker) laterText(ctx context.Context, before, after map[string]object, fb Finding, allowed bool) ([]Finding, error) {
	changed := map[string]bool{} // "kind name" of the triggers, rules and functions the statement changed
	for k, a := range after {
		if a.Kind != "trigger" && a.Kind != "rule" && a.Kind != "function" {
			continue
		}
		if b, ok := before[k]; !ok || b.Sig != a.Sig {
			changed[a.Kind+" "+a.Name] = true
		}
	}
	if allowed {
		return nil, nil
	}
	var views []Finding
	if w.dialect == "postgres" {
		var err error
		if views, err = w.laterViews(ctx, before, after, fb); err != nil {
			return nil, err
		}
		views = append(views, w.laterServerCalls(before, after, fb)...)
	}
	if len(changed) == 0 {
		return views, nil
	}
	bs, err := bodies(ctx, w.q, w.dialect)
	if err != nil {
		return nil, err
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].name < bs[j].name })
	var fns map[string][]body
	if w.dialect == "postgres" {
		if fns, err = functionBodies(ctx, w.q); err != nil {
			return nil, err
		}
	}
	out := views
	if fns != nil {
		out = append(out, w.laterFunctions(fns, changed, fb)...)
	}
	for _, b := range bs {
		if w.l.Project.OwnerOf(b.table, w.created) != w.branch {
			continue // on another owner's table: PL101 says so
		}
		if !changed[b.kind+" "+b.name] && !changed["function "+b.fn] {
			continue // checked when it, or its function, changed
		}
		targets, via, opaque := writesOf(w.dialect, b, fns)
		if u := bodyUtility(w.dialect, b); u != "" && !w.laterSeen[b.kind+b.name+"!"] {
			w.laterSeen[b.kind+b.name+"!"] = true
			out = append(out, fb.with(CodeLater, b.table, w.branch, fmt.Sprintf("%s %q on %q runs %s: it would change the schema, the database's settings or the server's files later, outside any migration, with the privileges of whoever fires it (the application); do schema changes in migrations, or after checking it by hand add -- plugmig:allow writes-core-later: <reason>", b.kind, b.name, b.table, u)))
		}
		if opaque && !w.laterSeen[b.kind+b.name+"?"] {
			w.laterSeen[b.kind+b.name+"?"] = true
			out = append(out, fb.with(CodeLater, b.table, w.branch, fmt.Sprintf("%s %q on %q runs code that can't be read (dynamic SQL, a procedure call, or a language other than SQL and PL/pgSQL): what it writes later, outside any migration, can't be verified; write it as plain statements on the plugin's own tables, or after checking it by hand add -- plugmig:allow writes-core-later: <reason>", b.kind, b.name, b.table)))
		}
		for _, t := range targets {
			owner := w.l.Project.OwnerOf(t, w.created)
			key := b.kind + b.name + " " + t
			if owner == w.branch || w.laterSeen[key] {
				continue
			}
			w.laterSeen[key] = true
			through := ""
			if f := via[t]; f != "" {
				through = fmt.Sprintf(" (through function %q, which it calls)", f)
			}
			out = append(out, fb.with(CodeLater, t, owner, fmt.Sprintf("%s %q on %q writes table %q%s, owned by %s: it would change it later, outside any migration and any check; write only the plugin's own tables, or after checking it by hand add -- plugmig:allow writes-core-later: <reason>", b.kind, b.name, b.table, t, through, describeOwner(owner))))
		}
	}
	return out, nil
}
