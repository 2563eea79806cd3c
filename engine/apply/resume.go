package apply

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/engine/internal/lazyre"
	"github.com/plugmig/plugmig/engine/internal/sqlq"
)

// Interrupted statements (MySQL/MariaDB; PostgreSQL in resume_postgres.go).
//
// MySQL commits DDL statement by statement, so a file runs outside a
// transaction and its revision is the record of intent: before statement
// k+1 runs the history says "k of N applied" (Atlas's executor writes the
// revision when the file starts and after each statement). When the process
// dies while statement k+1 runs, the server finishes it on its own, but the
// history still says k. The next run must not simply run it again ("Table
// already exists"), nor skip it: it decides, by looking at the object the
// statement creates, alters or drops, whether it took effect.

// Decisions a user gives for an interrupted statement plugmig cannot judge
// (apply --interrupted).
const (
	// InterruptedRan records the interrupted statement as applied.
	InterruptedRan = "ran"
	// InterruptedRerun runs the interrupted statement again.
	InterruptedRerun = "rerun"
)

// WithInterrupted tells apply what became of an interrupted statement whose
// effect it cannot decide by itself (a data statement, a MODIFY COLUMN):
// InterruptedRan or InterruptedRerun. Statements it can decide ignore it.
func WithInterrupted(decision string) Option {
	return func(m *Migrator) error {
		if decision != "" && decision != InterruptedRan && decision != InterruptedRerun {
			return fmt.Errorf("--interrupted must be %q or %q, not %q", InterruptedRan, InterruptedRerun, decision)
		}
		m.interrupted = decision
		return nil
	}
}

// ErrInterrupted is wrapped by the refusal to go on after an interrupted
// statement whose effect plugmig cannot decide.
var ErrInterrupted = errors.New("interrupted statement")

// settleInterrupted looks at a MySQL file, or a PostgreSQL one outside a
// transaction, whose last run was interrupted (its revision has applied <
// total and no error) and, when the statement that was running took
// effect, records it as applied, so the executor resumes after it. It
// returns a description of what it decided, or "".
func (m *Migrator) settleInterrupted(ctx context.Context, bp *BranchPlan, f migrate.File) (string, error) {
	if m.dialect == "sqlite" {
		return "", nil // a SQLite file always runs in one transaction
	}
	var known *migrate.Revision
	for _, r := range bp.Revisions {
		if r.Version == f.Version() {
			known = r
		}
	}
	if known == nil || known.Error != "" || known.Applied >= known.Total {
		return "", nil
	}
	stmts, err := f.Stmts()
	if err != nil || known.Applied >= len(stmts) {
		return "", err
	}
	idx := known.Applied // the statement that was running, 0-based
	stmt := stmts[idx]
	if err := m.waitForRunning(ctx, stmt); err != nil {
		return "", err
	}
	done, what, err := m.tookEffect(ctx, stmt)
	if err != nil {
		return "", fmt.Errorf("inspect the effect of interrupted statement %d: %w", idx+1, err)
	}
	switch {
	case done == effectUnknown && m.interrupted == InterruptedRan:
		done, what = effectDone, "you said it ran (--interrupted=ran)"
	case done == effectUnknown && m.interrupted == InterruptedRerun:
		done, what = effectNotDone, "you said it did not run (--interrupted=rerun)"
	case done == effectUnknown:
		return "", fmt.Errorf("%w: statement %d (%s) was running when an earlier apply was interrupted, and this database commits it on its own, so it may or may not have taken effect, which plugmig cannot tell from the schema. Check %s; then run go run ./cmd apply --interrupted=ran if it took effect, or go run ./cmd apply --interrupted=rerun if it did not",
			ErrInterrupted, idx+1, oneLine(stmt), what)
	}
	if done == effectNotDone {
		return fmt.Sprintf("statement %d had not taken effect (%s): running it again", idx+1, what), nil
	}
	known.PartialHashes = append(slices.Clone(known.PartialHashes[:min(idx, len(known.PartialHashes))]), partialHash(stmts, idx))
	known.Applied = idx + 1
	known.Total = len(stmts)
	known.ExecutedAt = time.Now()
	if err := m.store.write(ctx, bp.Branch, known); err != nil {
		return "", err
	}
	return fmt.Sprintf("statement %d had taken effect (%s): recorded", idx+1, what), nil
}

// partialHash is Atlas's hash of statements 0..i of a file, as its executor
// records it after statement i.
func partialHash(stmts []string, i int) string {
	h := sha256.New()
	for _, s := range stmts[:i+1] {
		h.Write([]byte(s))
	}
	return "h1:" + base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// waitForRunning waits, at most the lock timeout, while another session of
// the server still runs the statement (the dead client's connection: the
// server finishes what it was sent). On PostgreSQL the migrator, a member
// of every plugin role, sees their sessions' query text too.
func (m *Migrator) waitForRunning(ctx context.Context, stmt string) error {
	want := normalizeStmt(stmt)
	return m.waitWhileRunning(ctx, "go run ./cmd apply", func(text string) bool { return normalizeStmt(text) == want })
}

// waitWhileRunning waits, at most the lock timeout, while another session
// of the server runs a statement match accepts; rerun is the command to run
// once it is over.
func (m *Migrator) waitWhileRunning(ctx context.Context, rerun string, match func(string) bool) error {
	sessions := "SELECT id, COALESCE(info, '') FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND db = DATABASE() AND command = 'Query'"
	stop := "KILL %d"
	if m.dialect == "postgres" {
		sessions = "SELECT pid, coalesce(query, '') FROM pg_catalog.pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'"
		stop = "SELECT pg_cancel_backend(%d)"
	}
	deadline := time.Now().Add(m.lockTimeout)
	for {
		rows, err := m.db.QueryContext(ctx, sessions)
		if err != nil {
			return fmt.Errorf("look for the interrupted statement on the server: %w", err)
		}
		var running int64
		for rows.Next() {
			var (
				id   int64
				text string
			)
			if err := rows.Scan(&id, &text); err != nil {
				rows.Close()
				return err
			}
			if match(text) {
				running = id
			}
		}
		rows.Close()
		if running == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: the statement an earlier, interrupted run sent is still running on the server (session %d) after %s: let it finish (or "+stop+"), then run %s", ErrInterrupted, running, m.lockTimeout, running, rerun)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func normalizeStmt(s string) string {
	return strings.TrimRight(strings.Join(strings.Fields(s), " "), "; ")
}

type effect int

const (
	effectUnknown effect = iota
	effectDone
	effectNotDone
)

var (
	ident          = "`?([^`\\s(),;]+)`?"
	createTableRe  = lazyre.New(`(?is)^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?` + ident + `\s*\((.*)\)`)
	createIndexRe  = lazyre.New(`(?is)^\s*CREATE\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\s+` + ident + `\s+ON\s+` + ident)
	dropTableRe    = lazyre.New(`(?is)^\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?` + ident)
	renameTableRe  = lazyre.New(`(?is)^\s*RENAME\s+TABLE\s+` + ident + `\s+TO\s+` + ident)
	alterTableRe   = lazyre.New(`(?is)^\s*ALTER\s+TABLE\s+` + ident + `\s+(.*)$`)
	harmlessRe     = lazyre.New(`(?is)^\s*(SELECT|SET|DO)\b`)
	addColumnRe    = lazyre.New(`(?is)^ADD\s+(?:COLUMN\s+)?` + ident + `\s`)
	dropColumnRe   = lazyre.New(`(?is)^DROP\s+(?:COLUMN\s+)?` + ident + `$`)
	addIndexRe     = lazyre.New(`(?is)^ADD\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?(?:INDEX|KEY)\s+` + ident)
	addConstraint  = lazyre.New(`(?is)^ADD\s+CONSTRAINT\s+` + ident)
	dropIndexRe    = lazyre.New(`(?is)^DROP\s+(?:INDEX|KEY)\s+` + ident)
	dropConstraint = lazyre.New(`(?is)^DROP\s+(?:FOREIGN\s+KEY|CONSTRAINT|CHECK)\s+` + ident)
	renameToRe     = lazyre.New(`(?is)^RENAME\s+(?:TO|AS)\s+` + ident)
	renameColRe    = lazyre.New(`(?is)^RENAME\s+COLUMN\s+` + ident + `\s+TO\s+` + ident)
	addNotColumn   = lazyre.New(`(?i)^ADD\s+(PRIMARY|UNIQUE|INDEX|KEY|CONSTRAINT|FOREIGN|FULLTEXT|SPATIAL|CHECK)\b`)
	dropNotColumn  = lazyre.New(`(?i)^DROP\s+(PRIMARY|INDEX|KEY|FOREIGN|CONSTRAINT|CHECK)\b`)
	sqlComment     = lazyre.New(`(?m)^\s*--.*$`)
)

// tookEffect decides whether a DDL statement took effect by inspecting the
// object it creates, alters or drops (MySQL's DDL is atomic: all or
// nothing). It returns effectUnknown, and what to check, when the schema
// cannot tell (a data statement, a MODIFY COLUMN).
func (m *Migrator) tookEffect(ctx context.Context, stmt string) (effect, string, error) {
	s := strings.TrimSpace(sqlComment.ReplaceAllString(stmt, ""))
	s = strings.TrimRight(s, "; \n\t")
	if m.dialect == "postgres" {
		return m.pgTookEffect(ctx, s)
	}
	if g := createTableRe.FindStringSubmatch(s); g != nil {
		cols, err := sqlq.Strings(ctx, m.db, "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?", g[1]) // none when it does not exist
		if err != nil || len(cols) == 0 {
			return effectNotDone, fmt.Sprintf("table %s does not exist", g[1]), err
		}
		want := definedColumns(g[2])
		if slices.Equal(sortedCopy(cols), sortedCopy(want)) {
			return effectDone, fmt.Sprintf("table %s exists with the statement's columns", g[1]), nil
		}
		return effectUnknown, fmt.Sprintf("that table %s, which exists with columns %s while the statement creates %s, is what the statement creates", g[1], strings.Join(cols, ", "), strings.Join(want, ", ")), nil
	}
	if g := createIndexRe.FindStringSubmatch(s); g != nil {
		return m.presence(ctx, "index", g[2], g[1], true)
	}
	if g := dropTableRe.FindStringSubmatch(s); g != nil {
		return m.presence(ctx, "table", g[1], "", false)
	}
	if g := renameTableRe.FindStringSubmatch(s); g != nil {
		return m.presence(ctx, "table", g[2], "", true)
	}
	if harmlessRe.MatchString(s) {
		return effectNotDone, "running it again changes nothing", nil
	}
	g := alterTableRe.FindStringSubmatch(s)
	if g == nil {
		return effectUnknown, "whether what the statement writes or creates is in the database", nil
	}
	table := g[1]
	for _, clause := range splitTopLevel(g[2]) {
		clause = strings.TrimSpace(clause)
		switch {
		case renameColRe.MatchString(clause):
			c := renameColRe.FindStringSubmatch(clause)
			return m.presence(ctx, "column", table, c[2], true)
		case renameToRe.MatchString(clause):
			return m.presence(ctx, "table", renameToRe.FindStringSubmatch(clause)[1], "", true)
		case addIndexRe.MatchString(clause):
			return m.presence(ctx, "index", table, addIndexRe.FindStringSubmatch(clause)[1], true)
		case addConstraint.MatchString(clause):
			return m.presence(ctx, "constraint", table, addConstraint.FindStringSubmatch(clause)[1], true)
		case dropIndexRe.MatchString(clause):
			return m.presence(ctx, "index", table, dropIndexRe.FindStringSubmatch(clause)[1], false)
		case dropConstraint.MatchString(clause):
			return m.presence(ctx, "constraint", table, dropConstraint.FindStringSubmatch(clause)[1], false)
		case addColumnRe.MatchString(clause) && !addNotColumn.MatchString(clause):
			return m.presence(ctx, "column", table, addColumnRe.FindStringSubmatch(clause)[1], true)
		case dropColumnRe.MatchString(clause) && !dropNotColumn.MatchString(clause):
			return m.presence(ctx, "column", table, dropColumnRe.FindStringSubmatch(clause)[1], false)
		}
	}
	return effectUnknown, fmt.Sprintf("whether table %s already has what the statement changes (SHOW CREATE TABLE %s)", table, table), nil
}

// presence decides a statement by whether an object exists: created (want
// true) or dropped (want false).
func (m *Migrator) presence(ctx context.Context, kind, table, name string, want bool) (effect, string, error) {
	var query string
	args := []any{table}
	switch kind {
	case "table":
		query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"
	case "column":
		query = "SELECT count(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?"
	case "index":
		query = "SELECT count(*) FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ?"
	case "constraint":
		query = "SELECT count(*) FROM information_schema.table_constraints WHERE table_schema = DATABASE() AND table_name = ? AND constraint_name = ?"
	}
	obj := kind + " " + table
	if name != "" {
		args = append(args, name)
		obj = fmt.Sprintf("%s %s of %s", kind, name, table)
	}
	var n int
	if err := m.db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return effectUnknown, "", err
	}
	exists := n > 0
	state := obj + " exists"
	if !exists {
		state = obj + " does not exist"
	}
	if exists == want {
		return effectDone, state, nil
	}
	return effectNotDone, state, nil
}

var notColumn = lazyre.New(`(?i)^(PRIMARY|UNIQUE|INDEX|KEY|CONSTRAINT|FOREIGN|FULLTEXT|SPATIAL|CHECK|PERIOD)\b`)

// definedColumns returns the columns a CREATE TABLE body defines.
func definedColumns(body string) []string {
	var cols []string
	for _, def := range splitTopLevel(body) {
		def = strings.TrimSpace(def)
		if def == "" || notColumn.MatchString(def) {
			continue
		}
		name := def
		if strings.HasPrefix(def, "`") {
			if end := strings.Index(def[1:], "`"); end >= 0 {
				name = def[1 : end+1]
			}
		} else if i := strings.IndexAny(def, " \t\n"); i > 0 {
			name = def[:i]
		}
		cols = append(cols, name)
	}
	return cols
}

// splitTopLevel splits at commas outside parentheses and quotes.
func splitTopLevel(s string) []string {
	var (
		out   []string
		depth int
		quote rune
		start int
	)
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"' || r == '`':
			quote = r
		case r == '(':
			depth++
		case r == ')':
			depth--
		case r == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func sortedCopy(s []string) []string {
	c := make([]string, len(s))
	for i, x := range s {
		c[i] = strings.ToLower(x)
	}
	slices.Sort(c)
	return c
}
