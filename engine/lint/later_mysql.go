package lint

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/plugmig/plugmig/engine/internal/lazyre"
	"github.com/plugmig/plugmig/engine/internal/sqlq"
	"github.com/plugmig/plugmig/engine/plugin"
)

// What a plugin leaves behind on MySQL/MariaDB runs later, fired by the
// application: a view, trigger, routine or event must run with the
// plugin account's rights (SQL SECURITY DEFINER, the account as DEFINER),
// must not change the firing session (its variables, its named locks —
// apply's run lock is one), and everything it owns carries its prefix.
// Each is read from information_schema after every statement, as the
// server stored it: views' definitions, defaults, generated columns and
// checks in the server's own normalised form, trigger, routine and event
// bodies as written (MariaDB keeps no parsed form), read fail closed.

// myLater are the catalog rows the checks read: kind, name, table (for
// triggers, constraints, indexes, columns), security type, definer, and
// the code the server stores.
const myLater = `SELECT 'view', TABLE_NAME, TABLE_NAME, SECURITY_TYPE, DEFINER, COALESCE(VIEW_DEFINITION, ''), '' FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()
UNION ALL SELECT 'trigger', TRIGGER_NAME, EVENT_OBJECT_TABLE, 'DEFINER', DEFINER, ACTION_STATEMENT, SQL_MODE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
UNION ALL SELECT 'routine', ROUTINE_NAME, '', SECURITY_TYPE, DEFINER, COALESCE(ROUTINE_DEFINITION, ''), SQL_MODE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()
UNION ALL SELECT 'event', EVENT_NAME, '', 'DEFINER', DEFINER, EVENT_DEFINITION, SQL_MODE FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()
UNION ALL SELECT 'column', COLUMN_NAME, TABLE_NAME, '', '', CONCAT(COALESCE(COLUMN_DEFAULT, ''), ' ', COALESCE(GENERATION_EXPRESSION, '')), '' FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND (COLUMN_DEFAULT IS NOT NULL OR GENERATION_EXPRESSION IS NOT NULL)
UNION ALL SELECT 'check', CONSTRAINT_NAME, TABLE_NAME, '', '', CHECK_CLAUSE, '' FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()
UNION ALL SELECT 'constraint', CONSTRAINT_NAME, TABLE_NAME, '', '', CONSTRAINT_TYPE, '' FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_TYPE <> 'PRIMARY KEY'
UNION ALL SELECT DISTINCT 'index', INDEX_NAME, TABLE_NAME, '', '', '', '' FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME <> 'PRIMARY'`

// myRow is one row of myLater.
type myRow struct{ kind, name, table, security, definer, code, mode string }

// myRows runs a query of myLater's columns.
func myRows(ctx context.Context, q querier, query string, args ...any) ([]myRow, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []myRow
	for rows.Next() {
		var r myRow
		if err := rows.Scan(&r.kind, &r.name, &r.table, &r.security, &r.definer, &r.code, &r.mode); err != nil {
			return nil, err
		}
		all = append(all, r)
	}
	return all, rows.Err()
}

// laterMySQL is PL123, PL124, PL125 and PL102 for what the branch has
// left behind after a statement. account is the plugin's account as
// CURRENT_USER() names it ("" when the file runs as the migrator).
func (w *walker) laterMySQL(ctx context.Context, before, after map[string]object, fb Finding) ([]Finding, error) {
	fresh := map[string]bool{} // names of the objects the statement created or changed
	for k, a := range after {
		if b, ok := before[k]; !ok || b.Sig != a.Sig {
			fresh[strings.ToLower(a.Name)] = true
		}
	}
	all, err := myRows(ctx, w.q, myLater)
	if err != nil {
		return nil, fmt.Errorf("read views, triggers, routines and events: %w", err)
	}
	account := ""
	if w.run != nil {
		r, err := w.run.QueryContext(ctx, "SELECT CURRENT_USER()")
		if err != nil {
			return nil, err
		}
		for r.Next() {
			if err := r.Scan(&account); err != nil {
				r.Close()
				return nil, err
			}
		}
		r.Close()
	}
	var sysvars map[string]bool
	var out []Finding
	for _, r := range all {
		if !fresh[strings.ToLower(r.name)] && !fresh[strings.ToLower(r.table)] {
			continue // checked when it was created or last changed
		}
		if sysvars == nil {
			names, err := sqlq.Strings(ctx, w.q, "SELECT LOWER(VARIABLE_NAME) FROM information_schema.SESSION_VARIABLES")
			if err != nil {
				return nil, fmt.Errorf("read the server's variables: %w", err)
			}
			sysvars = map[string]bool{}
			for _, n := range names {
				sysvars[n] = true
			}
		}
		for _, f := range w.myCheck(r, account, sysvars, fb) {
			key := f.Code + " " + r.kind + " " + r.name + " " + r.table + " " + f.Message
			if !w.laterSeen[key] {
				w.laterSeen[key] = true
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// mine reports whether a catalog row is the branch's: on its table, named
// with its prefix, or defined by its account.
func (w *walker) mine(r myRow, account string) bool {
	if r.table != "" && r.kind != "view" {
		return w.l.Project.OwnerOf(r.table, w.created) == w.branch
	}
	if w.l.Project.OwnerOf(r.name, w.created) == w.branch {
		return true
	}
	return account != "" && sameAccount(r.definer, account)
}

// sameAccount compares a DEFINER (user@host, maybe quoted) with
// CURRENT_USER().
func sameAccount(definer, account string) bool {
	strip := func(s string) string { return strings.NewReplacer("`", "", "'", "").Replace(s) }
	return strings.EqualFold(strip(definer), strip(account))
}

// myCheck returns the findings of one catalog row of the branch.
func (w *walker) myCheck(r myRow, account string, sysvars map[string]bool, fb Finding) []Finding {
	if !w.mine(r, account) {
		return nil
	}
	var out []Finding
	what := fmt.Sprintf("%s %q", r.kind, r.name)
	if r.table != "" && r.kind != "view" {
		what += fmt.Sprintf(" on %q", r.table)
	}
	switch r.kind {
	case "view", "trigger", "routine", "event":
		if !strings.EqualFold(r.security, "DEFINER") {
			out = append(out, fb.with(CodeDefiner, r.name, w.branch, fmt.Sprintf("%s runs as SQL SECURITY %s: whoever uses it later (the application) would act with their own rights instead of the plugin's; leave out SQL SECURITY INVOKER (DEFINER is the default)", what, r.security)))
		}
		if account != "" && !sameAccount(r.definer, account) {
			out = append(out, fb.with(CodeDefiner, r.name, w.branch, fmt.Sprintf("%s has DEFINER %s, not the plugin's account %s: it would run with another account's rights; leave out the DEFINER clause", what, r.definer, account)))
		}
		if reason := sessionState(r.kind, r.code, r.mode, sysvars); reason != "" {
			out = append(out, fb.with(CodeSessionState, r.name, w.branch, fmt.Sprintf("%s %s: it would change the session of whoever fires it (the application's next statements, or apply's run lock, which would stop every later apply); compute values into NEW.<column> or the plugin's own tables instead", what, reason)))
		}
	case "column", "check":
		if reason := sessionState(r.kind, r.code, "", sysvars); reason != "" {
			out = append(out, fb.with(CodeSessionState, r.table, w.branch, fmt.Sprintf("%s %s: the application evaluates it on every write; use a constant or an expression without variables", what, reason)))
		}
		for _, m := range mySequenceCall.FindAllStringSubmatch(r.code, -1) {
			seq := strings.Trim(m[len(m)-1], "`")
			if owner := w.l.Project.OwnerOf(seq, w.created); owner != w.branch {
				out = append(out, fb.with(CodeForeignCall, seq, owner, fmt.Sprintf("%s calls %s on sequence %q, owned by %s: the application's every write would advance or reset it; use a sequence of the plugin's own", what, strings.ToLower(m[1]), seq, describeOwner(owner))))
			}
		}
	}
	if r.kind != "column" && r.kind != "check" {
		legacy := (r.kind == "constraint" || r.kind == "index") && w.l.Project.Composer.Plugins().Owns(w.branch, strings.ToLower(r.name))
		if !legacy && !strings.HasPrefix(strings.ToLower(r.name), strings.ToLower(plugin.Prefix(w.branch))) {
			out = append(out, fb.with(CodePrefix, r.name, w.branch, fmt.Sprintf("%s is not named %s...: trigger, constraint, index, routine and event names are the database's (or the table's) namespace, where core's later migration may need it; name it %s<name>", what, plugin.Prefix(w.branch), plugin.Prefix(w.branch))))
		}
	}
	return out
}

var (
	// mySequenceCall is a sequence function as the server normalises it
	// in a default or generated column: nextval(`db`.`seq`).
	mySequenceCall = lazyre.New("(?i)\\b(nextval|setval|lastval)\\s*\\(\\s*(?:`[^`]*`\\s*\\.\\s*)?`?([^`,)]+)`?")
	// myLockCall are the functions that take or release a session's named
	// locks (apply's run lock is GET_LOCK('plugmig_apply.<db>')).
	myLockCall = lazyre.New(`(?i)\b(GET_LOCK|RELEASE_LOCK|RELEASE_ALL_LOCKS)\b`)
)

// sessionState returns why code (a trigger, routine or event body as
// written, or a view, default or check as the server normalised it)
// changes the state of the session that runs it, or "". It reads fail
// closed: a named-lock function or '@' anywhere in the raw text (also in
// a string or comment, whose reading could differ from the server's), and
// a SET statement assigning anything but NEW.<column> or a DECLAREd local.
func sessionState(kind, code, mode string, sysvars map[string]bool) string {
	if m := myLockCall.Regexp().FindString(code); m != "" {
		return "calls " + strings.ToUpper(m) + "()"
	}
	toks, ok := myTokens(code, strings.Contains(strings.ToUpper(mode), "NO_BACKSLASH_ESCAPES"))
	if !ok {
		return "can't be read (an unterminated string, quoted name or comment)"
	}
	normalised := kind == "column" || kind == "check" || kind == "view"
	if normalised && slices.Contains(toks, "@") || !normalised && strings.Contains(code, "@") {
		return "reads or sets a user or system variable (@...; in a string of a trigger, routine or event body write CHAR(64))"
	}
	if normalised {
		return ""
	}
	return setTargets(toks, sysvars)
}

// myTokens splits MySQL code into words, quoted names (kept with their
// backquotes) and punctuation, without strings and comments; the inside
// of an executable comment (/*! ... */, /*M! ... */) is code.
func myTokens(s string, noBackslash bool) ([]string, bool) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '#' || c == '-' && strings.HasPrefix(s[i:], "--") && (i+2 == len(s) || s[i+2] <= ' '):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				return toks, true
			}
			i += j + 1
		case strings.HasPrefix(s[i:], "/*!") || strings.HasPrefix(s[i:], "/*M!"):
			i += 3
			if s[i-1] != '!' {
				i++
			}
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++ // the version the code is for
			}
			j := strings.Index(s[i:], "*/")
			if j < 0 {
				return nil, false
			}
			inner, ok := myTokens(s[i:i+j], noBackslash)
			if !ok {
				return nil, false
			}
			toks = append(toks, inner...)
			i += j + 2
		case strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return nil, false
			}
			i += j + 4
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for ; j < len(s); j++ {
				if s[j] == '\\' && c != '`' && !noBackslash {
					j++
					continue
				}
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c {
						j++
						continue
					}
					break
				}
			}
			if j >= len(s) {
				return nil, false
			}
			if c == '`' {
				toks = append(toks, s[i:j+1])
			} else {
				toks = append(toks, "'")
			}
			i = j + 1
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		case c == ':' && i+1 < len(s) && s[i+1] == '=':
			toks = append(toks, ":=")
			i += 2
		default:
			toks = append(toks, string(c))
			i++
		}
	}
	return toks, true
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// stmtStart are the words after which a new statement of a compound body
// begins.
var stmtStart = map[string]bool{";": true, "BEGIN": true, "THEN": true, "ELSE": true, "DO": true, "LOOP": true, "REPEAT": true, "ROW": true}

// setTargets returns why a SET statement in the tokens assigns something
// other than NEW.<column> or a DECLAREd local variable, or "". A local
// may not be named like one of the server's variables (sysvars): outside
// the block that declares it, SET of that name sets the session's.
func setTargets(toks []string, sysvars map[string]bool) string {
	declared := map[string]bool{}
	for i, t := range toks {
		if strings.EqualFold(t, "DECLARE") {
			for j := i + 1; j < len(toks); j += 2 {
				name := strings.ToLower(strings.Trim(toks[j], "`"))
				if sysvars[name] {
					return "declares a local variable named like the server's variable " + name + " (outside its block, SET " + name + " sets the session's): name it otherwise"
				}
				declared[name] = true
				if j+1 >= len(toks) || toks[j+1] != "," {
					break
				}
			}
		}
	}
	for i, t := range toks {
		if !strings.EqualFold(t, "SET") || i > 0 && strings.EqualFold(toks[i-1], "CHARACTER") {
			continue
		}
		if setOfUpdate(toks[:i]) {
			continue
		}
		for j := i + 1; j < len(toks); {
			k := j
			for k < len(toks) && toks[k] != "=" && toks[k] != ":=" && toks[k] != ";" {
				k++
			}
			target := toks[j:k]
			if !(len(target) == 3 && strings.EqualFold(target[0], "NEW") && target[1] == "." ||
				len(target) == 1 && declared[strings.ToLower(strings.Trim(target[0], "`"))]) {
				return "runs SET " + strings.Join(target, " ") + " (only NEW.<column> and DECLAREd local variables may be set)"
			}
			depth := 0
			for k++; k < len(toks); k++ {
				switch toks[k] {
				case "(":
					depth++
				case ")":
					depth--
				}
				if depth == 0 && (toks[k] == "," || toks[k] == ";") {
					break
				}
			}
			if k >= len(toks) || toks[k] == ";" {
				break
			}
			j = k + 1
		}
	}
	return ""
}

// setOfUpdate reports whether the statement that toks ends in is an
// UPDATE (whose SET assigns columns).
func setOfUpdate(toks []string) bool {
	for i := len(toks) - 1; i >= 0; i-- {
		u := strings.ToUpper(toks[i])
		if u == "UPDATE" {
			return true
		}
		if stmtStart[u] {
			return false
		}
	}
	return false
}

// myLeftOn is myLater for one table only (the placeholders): its
// columns' defaults and generated expressions, constraints and indexes.
// They are what a file run as an account granted roles.MyPlain can leave
// behind: the server refuses that account triggers, views, routines and
// events, and refuses variables, sequences and stored functions in a
// CHECK (whose name, the table's own namespace, is read as a constraint).
const myLeftOn = `SELECT 'column', COLUMN_NAME, TABLE_NAME, '', '', CONCAT(COALESCE(COLUMN_DEFAULT, ''), ' ', COALESCE(GENERATION_EXPRESSION, '')), '' FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND (COLUMN_DEFAULT IS NOT NULL OR GENERATION_EXPRESSION IS NOT NULL)
UNION ALL SELECT 'constraint', CONSTRAINT_NAME, TABLE_NAME, '', '', CONSTRAINT_TYPE, '' FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CONSTRAINT_TYPE <> 'PRIMARY KEY'
UNION ALL SELECT DISTINCT 'index', INDEX_NAME, TABLE_NAME, '', '', '', '' FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME <> 'PRIMARY'`

// MyLeftBehind judges, from the catalog, what a file that ran as the
// plugin's account granted roles.MyPlain left on the tables it names:
// defaults that read or set a variable or call another's sequence,
// constraints and indexes not named as the plugin's. own are the tables
// the account was granted privileges on; those the file's text mentions
// (in any case: a name is spelled in full to be reached) are read, so the
// cost is the file's, not the schema's. q is the migrator's connection,
// account the plugin's as CURRENT_USER() gives it.
func (g *Guard) MyLeftBehind(ctx context.Context, q querier, account string, own []string, text string) error {
	lower := strings.ToLower(text)
	var names []string
	seen := map[string]bool{}
	for _, t := range own {
		// Every spelling the account was granted: on a server with
		// case-sensitive names image__X and image__x are two tables.
		if !seen[t] && (strings.Contains(lower, strings.ToLower(t)) || strings.Contains(t, "`")) {
			seen[t] = true
			names = append(names, t)
		}
	}
	// One name per query: MariaDB's information_schema lookup of a list of
	// names that differ only in case returned the first one's rows only.
	var all []myRow
	read := map[myRow]bool{}
	for _, n := range names {
		rows, err := myRows(ctx, q, myLeftOn, n, n, n)
		if err != nil {
			return fmt.Errorf("ownership guard: read what the file left on table %q: %w", n, err)
		}
		for _, r := range rows {
			if !read[r] {
				read[r] = true
				all = append(all, r)
			}
		}
	}
	w := &walker{l: g.l, q: q, dialect: g.dialect, branch: g.branch, created: map[string]string{}}
	fb := Finding{Severity: Error, Branch: g.branch, Dialect: g.dialect, Statement: AfterFile}
	var out []Finding
	for _, r := range all {
		out = append(out, w.myCheck(r, account, nil, fb)...)
	}
	if len(out) > 0 {
		return &GuardError{Findings: out, After: true}
	}
	return nil
}
