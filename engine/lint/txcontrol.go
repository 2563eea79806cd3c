package lint

import (
	"strings"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/engine/internal/lazyre"
)

// A plugin file runs in one transaction (SQLite, PostgreSQL) under the
// plugin's identity: a statement that ends or splits that transaction, or
// changes the session's identity, would let what follows escape the
// rollback and the restrictions. Such files are refused before anything
// runs, by lint and by apply.
var (
	txCommon = `BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|END|START\s+TRANSACTION|` +
		`SET\s+(?:(?:SESSION|LOCAL)\s+)?(?:TRANSACTION|ROLE|SESSION\s+AUTHORIZATION|AUTHORIZATION|SESSION\s+CHARACTERISTICS)|` +
		`RESET\s+(?:ROLE|SESSION\s+AUTHORIZATION|ALL)`
	txControl = map[string]*lazyre.Regexp{
		"sqlite": lazyre.New(`(?is)^(?:` + txCommon + `|VACUUM|ATTACH|DETACH)\b`),
		"postgres": lazyre.New(`(?is)^(?:` + txCommon + `|ABORT|PREPARE\s+TRANSACTION|DISCARD|` +
			`SET\s+(?:(?:SESSION|LOCAL)\s+)?(?:ROLE|SESSION\s+AUTHORIZATION)|SET\s+CONSTRAINTS\s+ALL\s+DEFERRED|` +
			// roles: a plugin's own role could give itself a password.
			`(?:CREATE|ALTER|DROP)\s+(?:ROLE|USER|GROUP)|REASSIGN\s+OWNED|DROP\s+OWNED)\b`),
		"mysql": lazyre.New(`(?is)^(?:` + txCommon + `|XA|LOCK\s+(?:TABLES?|INSTANCE)|UNLOCK\s+(?:TABLES?|INSTANCE)|` +
			`FLUSH\s+TABLES?\s+WITH\s+READ\s+LOCK|SET\s+(?:DEFAULT\s+ROLE|GLOBAL|PERSIST|PERSIST_ONLY|@@GLOBAL|@@PERSIST|PASSWORD|ROLE)|` +
			`(?:CREATE|ALTER|DROP|RENAME)\s+(?:USER|ROLE)|` +
			`SET\b.*\b(?:AUTOCOMMIT|SQL_LOG_BIN|TRANSACTION_ISOLATION|TX_ISOLATION|TRANSACTION_READ_ONLY|COMPLETION_TYPE)\b)`),
	}
	// MySQL events run later, as their definer: a plugin changes nothing
	// later without saying why.
	mysqlEvent = lazyre.New(`(?is)^(?:CREATE|ALTER)\s+(?:DEFINER\s*=\s*\S+\s+)?EVENT\b`)
	// A MySQL statement that may carry a table's options.
	myDDLRe = lazyre.New(`(?is)^(?:CREATE|ALTER)\b`)
)

// escapes returns, for a file about to be linted or applied, a PL107
// finding per statement that controls the transaction or the session's
// identity (and, on SQLite, VACUUM, ATTACH, DETACH and a file that asks to
// run outside a transaction), and a PL108 finding per MySQL event without
// -- plugmig:allow writes-core-later. Nothing has run when they are found.
func escapes(dialect string, f migrate.File, stmts []*migrate.Stmt, fb Finding) []Finding {
	re := txControl[dialect]
	if re == nil {
		return nil
	}
	var out []Finding
	// Any file that reads its directives, not only Atlas's LocalFile:
	// apply's files wrap one, and must not lose this refusal.
	if lf, ok := f.(interface{ Directive(string) []string }); ok && dialect == "sqlite" {
		for _, d := range lf.Directive("txmode") {
			if d == "none" {
				x := fb.with(CodeEscape, "", "", "-- atlas:txmode none: a plugin file runs in one transaction on SQLite, so a refused statement leaves nothing behind; remove the directive")
				x.Line = 1
				out = append(out, x)
			}
		}
	}
	for _, st := range stmts {
		code := codeText(dialect, st.Text)
		x := fb
		x.Line, x.Statement = lineOf(f.Bytes(), st.Pos), oneLine(st.Text)
		switch {
		case re.MatchString(code):
			out = append(out, x.with(CodeEscape, "", "", "controls the transaction or the session's identity (or, on SQLite, reaches another database file): a plugin file runs in one transaction under the plugin's identity, so everything it does can be refused and rolled back; remove the statement (apply wraps each file in its own transaction)"))
		case dialect == "mysql" && myDDLRe.MatchString(code) && strings.Contains(strings.ToLower(st.Text), "directory"):
			out = append(out, x.with(CodeEscape, "", "", "may place a table's files in a directory of the server's file system (DATA DIRECTORY, INDEX DIRECTORY), outside the database's own, where they would collide with other databases' files; remove the option (in a CREATE or ALTER statement the word is refused anywhere, comments and strings included)"))
		case dialect == "mysql" && mysqlEvent.MatchString(code) && !parseDirectives(st.Comments).allowLater:
			out = append(out, x.with(CodeLater, "", "", "creates or alters an event: it runs later, as its definer, outside any migration and any check; do the work in a migration, or after checking it by hand add -- plugmig:allow writes-core-later: <reason>"))
		}
	}
	return out
}

// codeText returns a statement without its comments (a MySQL /*! ... */
// comment is code and stays), whitespace collapsed.
func codeText(dialect, s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "--") || dialect == "mysql" && s[i] == '#':
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				i = len(s)
				continue
			}
			i += j
		case strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			if dialect == "mysql" && strings.HasPrefix(s[i:], "/*!") {
				k := i + 3
				for k < len(s) && s[k] >= '0' && s[k] <= '9' {
					k++
				}
				end := len(s)
				if j >= 0 {
					end = i + 2 + j
				}
				b.WriteString(" " + s[k:end] + " ")
				i = min(end+2, len(s))
				continue
			}
			b.WriteByte(' ')
			if j < 0 {
				i = len(s)
				continue
			}
			i += j + 4
		case s[i] == '\'' || s[i] == '"' || s[i] == '`':
			q := s[i]
			j := i + 1
			for j < len(s) && s[j] != q {
				if s[j] == '\\' && dialect == "mysql" {
					j++
				}
				j++
			}
			b.WriteString(s[i:min(j+1, len(s))])
			i = j + 1
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
