package lint

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/internal/lazyre"
	"github.com/plugmig/plugmig/engine/internal/sqltext"
	"github.com/plugmig/plugmig/engine/plan"
	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/engine/sqliteauth"
)

// GuardError is apply's refusal of a plugin statement that touched (or
// would touch) what the plugin does not own.
type GuardError struct {
	Findings []Finding
	// Before is set when the file was refused before any of it ran.
	Before bool
	// After is set when the file ran whole outside a transaction before it
	// was refused: what it did stays, recorded as a failed attempt.
	After bool
}

// Is makes a refusal for ownership match plan.ErrNotOwned.
func (e *GuardError) Is(target error) bool {
	if target != plan.ErrNotOwned {
		return false
	}
	return slices.ContainsFunc(e.Findings, func(f Finding) bool {
		return slices.Contains([]string{CodeNotOwned, CodePrefix, CodeForeignWrite, CodeSequence, CodeServerObject, CodeLaterCall, CodeGrant, CodeForeignCode}, f.Code)
	})
}

func (e *GuardError) Error() string {
	msgs := make([]string, len(e.Findings))
	for i, f := range e.Findings {
		msgs[i] = f.Code + " " + f.Message
	}
	return "refused by the ownership guard: " + strings.Join(msgs, "; ")
}

// Guard is apply's ownership check of one plugin's files, run on the live
// database even when lint never ran. Plain DDL on objects named with the
// plugin's prefix passes at once (Trivial); any other file is watched
// statement by statement inside its transaction (SQLite, PostgreSQL) or
// checked beforehand on a scratch database (MySQL, see Preflight).
type Guard struct {
	l       *Linter
	dialect string
	branch  string
	// auth is SQLite's authorizer on the file's connection (see Authorize).
	auth *sqliteauth.Authorizer
	// policy is the authorizer's policy for statements not watched, from
	// the objects there before the file, read once (see Exec).
	policy *sqliteauth.Policy
	// later holds the statements allowed to write core later (Check).
	later map[string]bool
	// plainMy: the file runs as the plugin's MySQL account granted
	// roles.MyPlain (see OnPlainAccount).
	plainMy bool
	// snap is the catalog as the branch's previous file left it (SQLite;
	// see UseSnapshot).
	snap *Snapshot
}

// Snapshot is SQLite's catalog as a whole-file watch left it, with the
// schema versions it was read at: the next file's watch starts from it
// instead of reading the catalog again, when the versions are unchanged.
type Snapshot struct {
	objs    map[string]object
	version string
}

// UseSnapshot lets a SQLite whole-file watch (WatchFile) start from s, the
// catalog as the previous file left it, if the database's schema versions
// (main and temp, which SQLite bumps on every schema change, by anyone)
// are still those s was read at; otherwise it reads the catalog.
func (g *Guard) UseSnapshot(s *Snapshot) { g.snap = s }

// sqliteVersions are the schema versions of the main and temp databases.
func sqliteVersions(ctx context.Context, q querier) (string, error) {
	main, err := oneString(ctx, q, "PRAGMA main.schema_version")
	if err != nil {
		return "", err
	}
	temp, err := oneString(ctx, q, "PRAGMA temp.schema_version")
	return main + "/" + temp, err
}

// Snapshot returns the catalog as a whole-file watch judged it after the
// file (Finish), for the branch's next file (UseSnapshot).
func (wt *Watch) Snapshot(ctx context.Context) (*Snapshot, error) {
	if wt.w.dialect != "sqlite" {
		return nil, nil
	}
	v, err := sqliteVersions(ctx, wt.w.q)
	if err != nil {
		return nil, err
	}
	return &Snapshot{objs: wt.before, version: v}, nil
}

// OnPlainAccount tells the guard that the files it judges run as the
// plugin's MySQL account granted roles.MyPlain: the server itself refuses
// every write outside the plugin's tables, and any trigger, view, routine
// or event. Trivial then also passes data statements (INSERT, REPLACE,
// UPDATE, DELETE), and the file is judged afterwards by MyLeftBehind.
func (g *Guard) OnPlainAccount() { g.plainMy = true }

// NewGuard returns the guard of a branch's files in a dialect.
func NewGuard(comp *compose.Composer, dialect, branch string) *Guard {
	return &Guard{l: &Linter{Project: &plan.Project{Composer: comp}}, dialect: dialect, branch: branch}
}

var (
	identRe   = `(?:"(?:[^"]|"")+"|` + "`[^`]+`" + `|[A-Za-z_][A-Za-z0-9_$]*)`
	trivialRe = []*lazyre.Regexp{
		lazyre.New(`(?is)^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(` + identRe + `)\s*\(`),
		lazyre.New(`(?is)^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(` + identRe + `)\s`),
		lazyre.New(`(?is)^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(` + identRe + `)\s+ON\s+(?:ONLY\s+)?(` + identRe + `)\s*(?:USING\s+\w+\s*)?\(`),
		lazyre.New(`(?is)^\s*DROP\s+(?:TABLE|INDEX)\s+(?:IF\s+EXISTS\s+)?(` + identRe + `)\s*;?\s*$`),
	}
	// Atlas rebuilds a SQLite table through "new_<table>": copy, drop, rename.
	rebuildCopyRe   = lazyre.New(`(?is)^\s*INSERT\s+INTO\s+(` + identRe + `)\s*\([^()]*\)\s*SELECT\s+[^;]*?\s+FROM\s+(` + identRe + `)\s*;?\s*$`)
	rebuildRenameRe = lazyre.New(`(?is)^\s*ALTER\s+TABLE\s+(` + identRe + `)\s+RENAME\s+TO\s+(` + identRe + `)\s*;?\s*$`)
	pragmaFKRe      = lazyre.New(`(?is)^\s*PRAGMA\s+foreign_keys\s*=\s*(off|on)\s*;?\s*$`)
	// A MySQL data statement, by its first word.
	myDataRe = lazyre.New(`(?is)^\s*(?:INSERT|REPLACE|UPDATE|DELETE)\s`)
	// A named primary key, unique or exclusion constraint: its index is in
	// the schema's namespace, where another plugin's prefix is not ours.
	constraintNameRe = lazyre.New(`(?is)\bCONSTRAINT\s+(` + identRe + `)\s+(?:PRIMARY\s+KEY|UNIQUE|EXCLUDE)\b`)
	// MySQL: foreign key names are the database's, check names the table's.
	myConstraintNameRe = lazyre.New(`(?is)\bCONSTRAINT\s+(` + identRe + `)\s+(?:FOREIGN\s+KEY|CHECK)\b`)
	// An index declared inside CREATE or ALTER TABLE (MySQL), named.
	inlineIndexRe = lazyre.New(`(?is)\b(?:INDEX|KEY|UNIQUE)\s+(` + identRe + `)\s*(?:USING\s+\w+\s*)?\(`)
	// What a MySQL column default or generated column may call that
	// changes the session or another's sequence: the watch reads them.
	myUntrivial = lazyre.New(`(?i)@|\b(?:nextval|setval|lastval|NEXT\s+VALUE|GET_LOCK|RELEASE_LOCK|RELEASE_ALL_LOCKS)\b`)
)

// constraintNames are the submatches of constraintNameRe in st, read only
// from a statement with the word CONSTRAINT (the expression scans, and
// backtracks over, the whole statement).
func constraintNames(st string) [][]string {
	if !sqltext.HasWord(st, "CONSTRAINT") {
		return nil
	}
	return constraintNameRe.FindAllStringSubmatch(st, -1)
}

// untrivialWords are the words of clauses that reach beyond the altered
// table, or rename it (NO INHERIT has INHERIT).
var untrivialWords = []string{"RENAME", "INHERIT", "ATTACH", "DETACH", "OWNER", "SCHEMA", "SELECT", "EXECUTE", "TRIGGER", "POLICY", "GRANT", "SECURITY", "SECURITY_INVOKER", "SECURITY_BARRIER"}

// untrivial reports whether a statement holds one of untrivialWords as a
// whole word (any case), or the word AS then "(" (a generated column, a
// table made from a query). It is the expression
//
//	(?i)\b(RENAME|...|SECURITY|NO\s+INHERIT)\b|\bAS\s*\(
//
// as one scan of the text: apply asks it of every statement of every
// plugin file, and the backtracking match was most of Trivial's time. A
// byte outside ASCII makes the statement untrivial (the watch then reads
// it), so Unicode case folding needs no thought here.
func untrivial(st string) bool {
	for i := 0; i < len(st); {
		if st[i] >= utf8.RuneSelf {
			return true
		}
		if !sqltext.IsWordByte(st[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(st) && sqltext.IsWordByte(st[j]) {
			j++
		}
		w := st[i:j]
		if strings.EqualFold(w, "AS") {
			k := j
			for k < len(st) && strings.IndexByte("\t\n\f\r ", st[k]) >= 0 {
				k++
			}
			if k < len(st) && st[k] == '(' {
				return true
			}
		}
		for _, u := range untrivialWords {
			if strings.EqualFold(w, u) {
				return true
			}
		}
		i = j
	}
	return false
}

// Trivial reports whether every statement is plain DDL — CREATE TABLE,
// ALTER TABLE, CREATE INDEX, DROP TABLE/INDEX — on objects named with the
// branch's prefix and nothing that reaches beyond them.
func (g *Guard) Trivial(stmts []string) bool {
	prefix := plugin.Prefix(g.branch)
	claims := func(string) bool { return false }
	if g.l != nil {
		reg := g.l.Project.Composer.Plugins()
		claims = func(n string) bool { return reg.Claimant(n) == g.branch }
	}
	own := func(id string) bool {
		n := g.unquote(id)
		if strings.HasPrefix(n, prefix) || strings.HasPrefix(n, "new_"+prefix) {
			return true
		}
		// A legacy name the plugin claims (exactly, as the catalog keeps it).
		return claims(n) || strings.HasPrefix(n, "new_") && claims(n[len("new_"):])
	}
	for _, st := range stmts {
		if g.plainMy && myDataRe.MatchString(stripComments(st)) {
			if !myOwnRows(st, own) {
				return false // another's table, as written: the pre-flight refuses it before anything runs
			}
			continue // rows: the account may write only the plugin's tables (the server refuses others')
		}
		if strings.Contains(st, `\`) {
			return false // quoting a reader without escapes may read otherwise (see bodyCode): let the watch see it
		}
		if g.dialect == "mysql" && myUnplain(st) {
			return false // read by the pre-flight on a scratch database, before anything runs
		}
		st = stripComments(st)
		if strings.Contains(strings.TrimRight(strings.TrimSpace(st), ";"), ";") {
			return false // more than one statement: let the watch see them
		}
		if g.dialect == "sqlite" {
			if pragmaFKRe.MatchString(st) {
				continue
			}
			if m := rebuildCopyRe.FindStringSubmatch(st); m != nil && g.unquote(m[1]) == "new_"+g.unquote(m[2]) && own(m[2]) && !strings.Contains(strings.ToUpper(st[strings.Index(strings.ToUpper(st), "SELECT")+6:]), "SELECT") {
				continue
			}
			if m := rebuildRenameRe.FindStringSubmatch(st); m != nil && g.unquote(m[1]) == "new_"+g.unquote(m[2]) && own(m[2]) {
				continue
			}
		}
		if untrivial(st) || (g.dialect == "postgres" && serverCall.MatchString(st)) {
			return false // a server function in a default or index: PL108 (laterServerCalls) needs the watch
		}
		if g.dialect == "mysql" && myUntrivial.MatchString(st) {
			return false // a variable or a sequence in a default (PL124, PL125): the pre-flight reads the catalog
		}
		if g.dialect == "mysql" && (sqltext.HasWord(st, "KEY") || sqltext.HasWord(st, "INDEX") || sqltext.HasWord(st, "CHECK") || sqltext.HasWord(st, "UNIQUE")) {
			for _, m := range append(inlineIndexRe.FindAllStringSubmatch(st, -1), myConstraintNameRe.FindAllStringSubmatch(st, -1)...) {
				if !own(m[1]) {
					return false // an index named for someone else (PL102)
				}
			}
		}
		for _, m := range constraintNames(st) {
			if !own(m[1]) {
				return false // named for someone else (or no one): let the watch see what it creates
			}
		}
		matched := false
		for _, re := range trivialRe {
			m := re.FindStringSubmatch(st)
			if m == nil {
				continue
			}
			matched = true
			for _, id := range m[1:] {
				if !own(id) {
					return false
				}
			}
			break
		}
		if !matched {
			return false
		}
	}
	return true
}

// myUnplainWords are what a MySQL statement must spell, anywhere, to set
// a variable or call a sequence or lock function in a default, or to
// place a table's files outside the database's directory.
var myUnplainWords = []string{"@", "nextval", "setval", "lastval", "next", "previous", "get_lock", "release_lock", "release_all_locks", "directory"}

// myUnplain reports whether a MySQL statement may not be judged from its
// text alone: one of myUnplainWords anywhere in it, in any case (in a
// string or comment too: MySQL reads "--(" as code, and a comment can
// split words a pattern looks for), or a block comment (an executable
// /*! ... */ among them). It may see too much, never too little.
func myUnplain(st string) bool {
	lower := strings.ToLower(st)
	if strings.Contains(lower, "/*") || strings.Contains(lower, "#") {
		return true
	}
	for _, w := range myUnplainWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// myOwnRows reports whether every table a MySQL data statement names
// before its values, SET or WHERE (its targets, read as myTargets reads
// them) is the plugin's. A target it misreads is still refused by the
// server; this only lets such a file be refused before any of it runs.
func myOwnRows(st string, own func(string) bool) bool {
	st = stripComments(st)
	for _, re := range myTargets[:3] {
		m := re.FindStringSubmatch(st)
		if m == nil {
			continue
		}
		n := 0
		for _, part := range m[1:] {
			for _, id := range myIdentRe.FindAllString(part, -1) {
				if n++; !own(id) {
					return false
				}
			}
		}
		return n > 0
	}
	return false
}

// unquote returns the name an identifier denotes: quoted as written,
// unquoted folded to lower case on PostgreSQL.
func (g *Guard) unquote(id string) string {
	switch {
	case strings.HasPrefix(id, `"`):
		return strings.ReplaceAll(id[1:len(id)-1], `""`, `"`)
	case strings.HasPrefix(id, "`"):
		return id[1 : len(id)-1]
	case g.dialect == "postgres":
		return strings.ToLower(id)
	}
	return id
}

// Watch checks the statements of one file as they run on q, a
// transaction that the caller rolls back on any error.
type Watch struct {
	w          *walker
	before     map[string]object
	wrote      map[string]bool
	allowLater map[string]bool
	// counts are PostgreSQL's row counters per table when the watch began:
	// pg_stat_xact_* also count earlier transactions of the session whose
	// statistics were not flushed yet, so only an increase is this file's.
	counts map[string]int64
	// role is PostgreSQL's current_user when the watch began: the role the
	// file runs as, which no statement of it may change.
	role string
	// searchPath is PostgreSQL's search_path when a whole file's watch
	// began (WatchFile): Finish sets it back before it reads the catalog,
	// whose reads of the current schema a file's last SET would blind.
	searchPath string
}

// Watch starts watching a file's statements on q, one by one (Exec).
func (g *Guard) Watch(ctx context.Context, q querier, drv migrate.Driver) (*Watch, error) {
	return g.watch(ctx, q, drv, false)
}

// WatchFile starts watching a whole file whose statements the database
// itself judges as they run, before its first statement: on PostgreSQL a
// file in a transaction as the plugin's own login role (the server refuses
// what the role may not do: another owner's objects, rows, sequences and
// roles), on SQLite a file under the authorizer (Authorize: it refuses, as
// SQLite compiles each statement, every write, DDL and name outside the
// branch's). Nothing is read between statements: Finish judges the file
// once, after its last one — what it created or changed (on PostgreSQL
// only what the transaction touched, pgTouchedProbe, at a cost that does
// not grow with the schema), with its row counters and role on
// PostgreSQL. Files with a statement allowed to act later (Check) are
// watched statement by statement instead (Watch): the allowance is the
// statement's.
func (g *Guard) WatchFile(ctx context.Context, q querier, drv migrate.Driver) (*Watch, error) {
	return g.watch(ctx, q, drv, true)
}

func (g *Guard) watch(ctx context.Context, q querier, drv migrate.Driver, whole bool) (*Watch, error) {
	pr, err := probeFor(g.dialect)
	if err != nil {
		return nil, err
	}
	touched := whole && g.dialect == "postgres"
	if touched {
		pr = pgTouchedProbe{} // it reads nothing before the file wrote
	}
	w := &walker{l: g.l, q: q, drv: drv, dialect: g.dialect, probe: pr, branch: g.branch, created: map[string]string{}, auth: g.auth}
	wt := &Watch{w: w, before: map[string]object{}, wrote: map[string]bool{}}
	if !whole {
		wt.allowLater = g.later
	}
	known := touched // the probe reads nothing before the file
	if whole && g.snap != nil && g.dialect == "sqlite" {
		v, err := sqliteVersions(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("ownership guard: read the schema version: %w", err)
		}
		if v == g.snap.version {
			wt.before, known = g.snap.objs, true // nothing changed the schema since the previous file's check read it
		}
	}
	if !known {
		if wt.before, err = pr.objects(ctx, q); err != nil {
			return nil, fmt.Errorf("ownership guard: read the catalog: %w", err)
		}
	}
	if g.dialect == "postgres" {
		if wt.counts, err = pgCounts(ctx, q); err != nil {
			return nil, fmt.Errorf("ownership guard: read the row statistics: %w", err)
		}
		if wt.role, err = pgRole(ctx, q); err != nil {
			return nil, fmt.Errorf("ownership guard: read the current role: %w", err)
		}
		if whole {
			if wt.searchPath, err = oneString(ctx, q, "SELECT current_setting('search_path')"); err != nil {
				return nil, fmt.Errorf("ownership guard: read the search path: %w", err)
			}
		}
	}
	return wt, nil
}

// pgRole returns the session's current role.
func pgRole(ctx context.Context, q querier) (string, error) {
	return oneString(ctx, q, `SELECT current_user`)
}

// oneString runs a query of one text value.
func oneString(ctx context.Context, q querier, query string, args ...any) (string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var v string
	if rows.Next() {
		err = rows.Scan(&v)
	}
	if err == nil {
		err = rows.Err()
	}
	return v, err
}

// pgCounts returns each table's inserted, updated and deleted row count as
// this session's statistics see them.
func pgCounts(ctx context.Context, q querier) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables WHERE schemaname = current_schema() AND n_tup_ins + n_tup_upd + n_tup_del > 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[string]int64{}
	for rows.Next() {
		var t string
		var n int64
		if err := rows.Scan(&t, &n); err != nil {
			return nil, err
		}
		counts[t] = n
	}
	return counts, rows.Err()
}

// Exec runs one statement with exec and returns a *GuardError if it
// touched what the branch does not own (the caller rolls back).
func (wt *Watch) Exec(ctx context.Context, stmt string, exec func() error) error {
	w := wt.w
	fb := Finding{Severity: Error, Branch: w.branch, Dialect: w.dialect, Statement: oneLine(stmt)}
	writes, err := w.probe.writesBefore(ctx, w.q, stmt, wt.before)
	if err != nil {
		return &GuardError{Findings: []Finding{fb.with(CodeUnverifiable, "", "", err.Error())}}
	}
	if w.dialect == "postgres" {
		planned, err := pgPlannedWrites(ctx, w.q, stmt)
		if err != nil {
			return err
		}
		writes = append(writes, planned...)
	}
	if fs := w.checkWrites(writes, fb); len(fs) > 0 {
		return &GuardError{Findings: fs}
	}
	if err := wt.authorized(stmt, fb, exec); err != nil {
		return err
	}
	return wt.judge(ctx, fb, wt.allowLater[strings.TrimSpace(stmt)] || wt.allowLater[stmt])
}

// judge compares the catalog with the watch's last look, after a statement
// (Exec) or a whole file (Finish), and returns a *GuardError for what it
// changed that the branch may not.
func (wt *Watch) judge(ctx context.Context, fb Finding, allowLater bool) error {
	w := wt.w
	if w.dialect == "postgres" {
		// Checked first: the catalog reads below see what the role in
		// force may see, so after a change of role they would differ for
		// that reason alone.
		role, err := pgRole(ctx, w.q)
		if err != nil {
			return err
		}
		if role != wt.role {
			return &GuardError{Findings: []Finding{fb.with(CodeEscape, "role", "", fmt.Sprintf("changes the role it runs as (from %s to %s): a plugin file never sets roles; the database's access control applies to the plugin's own role only", wt.role, role))}}
		}
	}
	after, err := w.probe.objects(ctx, w.q)
	if err != nil {
		return err
	}
	fs := w.compare(wt.before, after, fb)
	if w.laterSeen == nil {
		w.laterSeen = map[string]bool{}
	}
	later, err := w.later(ctx, wt.before, after, fb, allowLater)
	if err != nil {
		return err
	}
	fs = append(fs, later...)
	if w.dialect == "postgres" {
		written, err := wt.pgWrites(ctx)
		if err != nil {
			return err
		}
		fs = append(fs, w.checkWrites(written, fb)...)
	}
	wt.before = after
	w.settle(after)
	if len(fs) > 0 {
		return &GuardError{Findings: fs}
	}
	return nil
}

// Finish judges a file WatchFile watches, after its last statement and
// before its revision is written (apply's own row is not the file's).
func (wt *Watch) Finish(ctx context.Context) error {
	if wt.w.dialect == "postgres" {
		if _, err := wt.w.q.ExecContext(ctx, "SELECT pg_catalog.set_config('search_path', $1, true)", wt.searchPath); err != nil {
			return fmt.Errorf("ownership guard: set the search path back: %w", err)
		}
	}
	return wt.judge(ctx, Finding{Severity: Error, Branch: wt.w.branch, Dialect: wt.w.dialect, Statement: AfterFile}, false)
}

// WholeFile reports whether the file Check last read may be watched whole
// (WatchFile): none of its statements is allowed to act later, and on
// SQLite the authorizer is installed.
func (g *Guard) WholeFile() bool {
	return len(g.later) == 0 && (g.dialect != "sqlite" || g.auth != nil)
}

// Done returns a *GuardError for objects the file created without the
// plugin's prefix and did not drop or rename again. Call it after the
// file's last statement, before committing.
func (wt *Watch) Done() error {
	if fs := wt.w.leftUnprefixed(nil); len(fs) > 0 {
		return &GuardError{Findings: fs}
	}
	return nil
}

// pgWrites returns the tables whose rows this transaction changed since the
// last call (PostgreSQL's per-transaction statistics: inserts, updates and
// deletes, also through functions and CTEs; TRUNCATE changes the table's
// file, which the catalog comparison sees).
func (wt *Watch) pgWrites(ctx context.Context) ([]string, error) {
	counts, err := pgCounts(ctx, wt.w.q)
	if err != nil {
		return nil, err
	}
	var fresh []string
	for t, n := range counts {
		if n > wt.counts[t] && !wt.wrote[t] {
			wt.wrote[t] = true
			fresh = append(fresh, t)
		}
	}
	sort.Strings(fresh)
	return fresh, nil
}

// History is one owner's already-applied files, replayed by Preflight.
type History struct {
	Owner string
	Files []migrate.File
}

// Preflight checks pending files of a branch before they run (MySQL, whose
// DDL cannot be rolled back): it replays the histories on a scratch
// database and lints the files there. Only ownership errors are returned.
func (g *Guard) Preflight(ctx context.Context, dev *devdb.DB, histories []History, folder string, pending []migrate.File) ([]Finding, error) {
	s, err := g.NewScratch(ctx, dev, histories, folder)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, f := range pending {
		fs, err := s.Check(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

// Scratch is a scratch database that follows one branch through its
// pending files: the histories the branch builds on are replayed once,
// then each file is checked there (or followed, unchecked) in order, so
// checking a file costs that file, not the history before it.
type Scratch struct {
	w      *walker
	dev    *devdb.DB
	folder string
}

// NewScratch resets dev and replays the histories on it, ready to check
// the branch's files that follow them.
func (g *Guard) NewScratch(ctx context.Context, dev *devdb.DB, histories []History, folder string) (*Scratch, error) {
	if err := dev.Reset(ctx); err != nil {
		return nil, err
	}
	pr, err := probeFor(g.dialect)
	if err != nil {
		return nil, err
	}
	w := &walker{l: g.l, q: dev.DB, drv: dev.Driver, dialect: g.dialect, probe: pr, branch: g.branch, created: map[string]string{}, dev: dev}
	for _, h := range histories {
		for _, f := range h.Files {
			if err := plan.Replay(ctx, dev.Driver, single{f}); err != nil {
				return nil, fmt.Errorf("ownership guard: replay %s's %s on a scratch database: %w", h.Owner, f.Name(), err)
			}
		}
		if err := w.own(ctx, h.Owner); err != nil {
			return nil, err
		}
	}
	return &Scratch{w: w, dev: dev, folder: folder}, nil
}

// Check lints the branch's next file on the scratch database, which then
// holds its changes, and returns the ownership errors it found.
func (s *Scratch) Check(ctx context.Context, f migrate.File) ([]Finding, error) {
	fs, err := s.w.lintFile(ctx, f, s.folder+"/"+f.Name())
	if err != nil && ctx.Err() == nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		// A statement cut short by the interrupt failed: that says nothing
		// of the file, and it is not reported as a finding.
		return nil, fmt.Errorf("ownership guard: interrupted while checking %s/%s on a scratch database, before it ran (nothing of it was run; apply again): %w", s.folder, f.Name(), err)
	}
	var out []Finding
	for _, x := range fs {
		if x.Severity == Error && slices.Contains([]string{CodeFails, CodeNotOwned, CodePrefix, CodeForeignWrite, CodeSequence, CodeUnverifiable, CodeEscape, CodeLater, CodeOneStatement, CodeModule, CodeUncompiled, CodeDefiner, CodeSessionState, CodeForeignCall, CodeServerObject, CodeLaterCall, CodeGrant, CodeForeignCode}, x.Code) {
			out = append(out, x)
		}
	}
	return out, nil
}

// Follow runs the branch's next file on the scratch database unchecked
// (one the guard let through without a scratch check), to keep it in step.
func (s *Scratch) Follow(ctx context.Context, f migrate.File) error {
	if err := plan.Replay(ctx, s.dev.Driver, single{f}); err != nil {
		return fmt.Errorf("ownership guard: replay %s on a scratch database: %w", f.Name(), err)
	}
	return s.w.own(ctx, s.w.branch)
}

var pgDML = lazyre.New(`(?is)^\s*(INSERT|UPDATE|DELETE|MERGE|WITH)\b`)

// pgPlannedWrites asks PostgreSQL's planner which tables a data statement
// modifies (its ModifyTable nodes, data-modifying CTEs included): it sees
// an UPDATE that would change no row, which the statistics cannot.
func pgPlannedWrites(ctx context.Context, q querier, stmt string) ([]string, error) {
	if !pgDML.MatchString(stripComments(stmt)) {
		return nil, nil
	}
	rows, err := q.QueryContext(ctx, "EXPLAIN (FORMAT JSON) "+stmt)
	if err != nil {
		// The statement fails the same way (a table the role may not
		// write, one that does not exist), and the failure aborted the
		// transaction: running the statement now would only report that.
		return nil, err
	}
	defer rows.Close()
	var doc string
	if rows.Next() {
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
	}
	var plan any
	if err := json.Unmarshal([]byte(doc), &plan); err != nil {
		return nil, err
	}
	var tables []string
	var walk func(any)
	walk = func(n any) {
		switch n := n.(type) {
		case []any:
			for _, x := range n {
				walk(x)
			}
		case map[string]any:
			if n["Node Type"] == "ModifyTable" {
				if t, ok := n["Relation Name"].(string); ok {
					tables = append(tables, t)
				}
			}
			for _, x := range n {
				walk(x)
			}
		}
	}
	walk(plan)
	return tables, rows.Err()
}
