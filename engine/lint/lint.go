// Package lint checks every migration file of every branch and dialect and
// guarantees the workflow's promise: a plugin's migrations create, alter and
// drop only objects it owns, and write rows only to its own tables.
//
// What a statement changes is found by executing it — on a scratch database
// holding the branch's history up to the file — and comparing the catalog
// before and after (tables, columns, indexes, constraints, triggers, views,
// sequences and their values, functions, types, policies, row-level
// security, comments, grants), plus the tables it writes rows to, which an
// empty dev database cannot show by counting rows: PostgreSQL records them
// with statement-level triggers, SQLite's EXPLAIN names the b-trees a
// statement opens for writing, and for MySQL the targets of data statements
// are read from their text. Atlas's analyzers (destructive, data-dependent,
// backward-incompatible, dropped constraints) run on the same changes.
package lint

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/sqlcheck"
	"ariga.io/atlas/sql/sqlclient"

	_ "ariga.io/atlas/sql/mysql/mysqlcheck"       // MySQL analyzers
	_ "ariga.io/atlas/sql/postgres/postgrescheck" // PostgreSQL analyzers
	_ "ariga.io/atlas/sql/sqlite/sqlitecheck"     // SQLite analyzers

	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/internal/lazyre"
	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/engine/plan"
	"github.com/plugmig/plugmig/engine/sqliteauth"
)

// Finding codes. Errors unless noted.
const (
	CodeFails        = "PL100" // the statement fails on the dev database
	CodeNotOwned     = "PL101" // creates, alters or drops an object of another owner
	CodePrefix       = "PL102" // creates an object without the branch's prefix
	CodeForeignWrite = "PL103" // writes rows of a table of another owner
	CodeSequence     = "PL104" // changes a sequence of another owner
	CodeUnverifiable = "PL105" // a statement whose effect can't be verified, without an allow directive
	CodeDirective    = "PL106" // a directive without a reason, or malformed
	CodeEscape       = "PL107" // reaches outside its transaction or database: transaction control, session authorization, ATTACH, a PRAGMA that changes the database, VACUUM
	CodeLater        = "PL108" // a trigger, rule or event whose body writes a table the branch does not own, without an allow directive
	CodeOneStatement = "PL120" // SQLite: a text holding more than one statement (an atlas:delimiter packing several)
	CodeModule       = "PL121" // SQLite: a virtual table of a module that reaches outside the table (sqlite_dbpage, dbstat, ...)
	CodeUncompiled   = "PL122" // SQLite: a trigger or view that does not compile now, so what it does later can't be checked
	CodeDefiner      = "PL123" // MySQL: a view, routine, trigger or event that would not run as SQL SECURITY DEFINER with the plugin's account
	CodeSessionState = "PL124" // MySQL: a trigger, routine or event body that sets a variable of the session that fires it, or takes a named lock
	CodeForeignCall  = "PL125" // MySQL: a DEFAULT, CHECK or generated expression that calls a routine the plugin does not own
	CodeServerObject = "PL109" // leaves an object outside the application's tables: a schema, a large object (PostgreSQL)
	CodeLaterCall    = "PL110" // an expression the server evaluates later as whoever writes or reads (a default, check, index, policy, view, rule) calls a routine the branch does not own or a built-in that changes something
	CodeGrant        = "PL111" // grants privileges or sets default privileges: access is the tool's business
	CodeForeignCode  = "PL112" // a trigger on the branch's table runs a routine the branch does not own
	CodeBreaksPlugin = "PL201" // warning: a core migration drops or renames what a plugin references
	CodeSum          = "PL301" // atlas.sum does not match the folder
	CodeParity       = "PL302" // the branch's dialect folders hold different versions
	CodeDrift        = "PL303" // the ent schema and the migrations disagree
	CodeEdited       = "PL304" // a file that exists on the base was edited
	CodeOutOfOrder   = "PL305" // a new file sorts before the base's head of its branch
	CodeAtlasStale   = "PL306" // warning: .atlas/ (the atlas CLI's inputs) is older than the ent schemas or the migrations
)

// Severities.
const (
	Error   = "error"
	Warning = "warning"
)

// Finding is one problem in one file (or folder).
type Finding struct {
	Code      string `json:"code"`
	Severity  string `json:"severity"`
	Branch    string `json:"branch"`
	Dialect   string `json:"dialect,omitempty"`
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`
	Statement string `json:"statement,omitempty"`
	Object    string `json:"object,omitempty"`
	Owner     string `json:"owner,omitempty"`
	Message   string `json:"message"`
}

// Linter lints a project's migration folders.
type Linter struct {
	Project *plan.Project
	// Devs holds a scratch database per dialect to lint.
	Devs map[string]*devdb.DB
	// Dialects to lint, in order.
	Dialects []string
	// Errors lists codes (or code prefixes, like "DS") of warnings to
	// report as errors.
	Errors []string
	// Branches limits the content checks to these branches (default: all).
	Branches []string
	refs     map[string]map[string]map[string]bool // see references, computed once

	// Base, when set, is a git ref: only files added or changed since it are
	// linted for content, and edits of files on the base are errors.
	Base string
}

// Run lints and returns the findings, sorted by file and line.
func (l *Linter) Run(ctx context.Context) ([]Finding, error) {
	comp := l.Project.Composer
	branches, err := comp.Branches()
	if err != nil {
		return nil, err
	}
	scope, findings, err := l.scope(branches)
	if err != nil {
		return nil, err
	}
	ok := map[string]bool{} // branch/dialect folders that passed integrity
	for _, b := range branches {
		if !scope.branch(b) {
			continue // unchanged since the base, where it was checked
		}
		for _, d := range l.Dialects {
			rel, _ := migdir.Path(comp.Plugins(), b, d)
			if _, err := migdir.Open(l.Project.Root, comp.Plugins(), b, d); err != nil {
				findings = append(findings, Finding{Code: CodeSum, Severity: Error, Branch: b, Dialect: d, File: filepath.ToSlash(rel), Message: err.Error()})
				continue
			}
			ok[b+"/"+d] = true
		}
		if _, err := migdir.Heads(l.Project.Root, comp.Plugins(), []string{b}, l.Dialects); errors.Is(err, migdir.ErrParity) {
			findings = append(findings, Finding{Code: CodeParity, Severity: Error, Branch: b, Message: err.Error()})
		}
	}
	for _, b := range branches {
		for _, d := range l.Dialects {
			if !ok[b+"/"+d] || !scope.branch(b) || len(l.Branches) > 0 && !slices.Contains(l.Branches, b) {
				continue
			}
			fs, created, err := l.lintBranch(ctx, b, d, scope)
			if err != nil {
				return nil, err
			}
			findings = append(findings, fs...)
			if created == nil {
				continue // the history stopped at a failing statement (PL100)
			}
			// The dev database now holds the branch's whole history.
			pd, err := l.Project.PendingOn(ctx, l.Devs[d], b, created, lintTables...)
			ownership := slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity == Error && strings.HasPrefix(f.Code, "PL1") })
			switch {
			case errors.Is(err, plan.ErrNotOwned) && ownership:
				// The branch's own files changed what it does not own: reported above.
			case err != nil:
				rel, _ := migdir.Path(comp.Plugins(), b, d)
				findings = append(findings, Finding{Code: CodeDrift, Severity: Error, Branch: b, Dialect: d, File: filepath.ToSlash(rel),
					Message: "the migrations do not replay to the ent schema: " + err.Error()})
			case !pd.InSync():
				findings = append(findings, Finding{Code: CodeDrift, Severity: Error, Branch: b, Dialect: d, File: filepath.ToSlash(pd.Dir),
					Message: pd.Explain()})
			}
		}
	}
	for i := range findings {
		if findings[i].Severity == Warning && l.isError(findings[i].Code) {
			findings[i].Severity = Error
		}
	}
	sort.SliceStable(findings, func(i, j int) bool {
		a, b := findings[i], findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return findings, nil
}

func (l *Linter) isError(code string) bool {
	for _, e := range l.Errors {
		if strings.HasPrefix(code, e) {
			return true
		}
	}
	return false
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity == Error })
}

// lintTables are the linter's own tables on a dev database.
var lintTables = []string{"plugmig_lint_writes"}

// lintBranch replays the histories the branch is spliced on, then walks its
// own files: those in scope statement by statement, the others at once. It
// returns which branch's history created each object, or nil when a
// statement failed and the history could not be completed.
func (l *Linter) lintBranch(ctx context.Context, branch, dialect string, sc *scope) ([]Finding, map[string]string, error) {
	dev := l.Devs[dialect]
	comp := l.Project.Composer
	b, err := comp.Branch(branch)
	if err != nil {
		return nil, nil, err
	}
	pr, err := probeFor(dialect)
	if err != nil {
		return nil, nil, err
	}
	if err := dev.Reset(ctx); err != nil {
		return nil, nil, err
	}
	w := &walker{l: l, q: dev.DB, drv: dev.Driver, dialect: dialect, probe: pr, branch: branch, created: map[string]string{}, dev: dev}
	if dialect == "sqlite" {
		w.auth = sqliteauth.New()
		if err := w.auth.InstallPool(ctx, dev.DB); err != nil {
			return nil, nil, fmt.Errorf("install SQLite's authorizer on the dev database: %w", err)
		}
	}
	var findings []Finding
	for _, owner := range b.Owners {
		dir, err := migdir.Open(l.Project.Root, comp.Plugins(), owner, dialect)
		if err != nil {
			return nil, nil, err
		}
		rel, _ := migdir.Path(comp.Plugins(), owner, dialect)
		files, err := dir.Files()
		if err != nil {
			return nil, nil, err
		}
		for _, f := range files {
			path := filepath.ToSlash(filepath.Join(rel, f.Name()))
			if owner == branch && sc.file(path) {
				fs, err := w.lintFile(ctx, f, path)
				if err != nil {
					return nil, nil, err
				}
				if err := ctx.Err(); err != nil {
					// A statement the interrupt cut short is no finding.
					return nil, nil, fmt.Errorf("lint interrupted while checking %s: %w", path, err)
				}
				findings = append(findings, fs...)
				if w.stopped || slices.ContainsFunc(fs, func(f Finding) bool { return f.Code == CodeFails }) {
					return findings, nil, nil // the history cannot go on
				}
				continue
			}
			drv, err := w.replayDriver(ctx, owner)
			if err != nil {
				return nil, nil, err
			}
			if err := plan.Replay(ctx, drv, single{f}); err != nil {
				return append(findings, Finding{Code: CodeFails, Severity: Error, Branch: branch, Dialect: dialect, File: path, Message: fmt.Sprintf("replaying %s fails: %v", path, err)}), nil, nil
			}
		}
		if err := w.own(ctx, owner); err != nil {
			return nil, nil, err
		}
	}
	return findings, w.created, nil
}

// single is a one-file directory, to replay a file with Atlas's executor.
type single struct{ f migrate.File }

func (s single) Open(string) (fs.File, error)        { return nil, fs.ErrNotExist }
func (s single) WriteFile(string, []byte) error      { return errors.New("read-only") }
func (s single) Files() ([]migrate.File, error)      { return []migrate.File{s.f}, nil }
func (s single) Checksum() (migrate.HashFile, error) { return migrate.NewHashFile([]migrate.File{s.f}) }

// owners and directives ----------------------------------------------------

var (
	ignoreRe   = lazyre.New(`^\s*plugmig:ignore\s+([A-Z]{2}\d{3}(?:\s*,\s*[A-Z]{2}\d{3})*)\s*(?::\s*(.*))?$`)
	allowRe    = lazyre.New(`^\s*plugmig:allow\s+(unverifiable|writes-core-later)\s*(?::\s*(.*))?$`)
	dataLossRe = lazyre.New(`^\s*plugmig:allow\s+data-loss\s*(?::\s*(.*))?$`)
)

// directives are a statement's plugmig comments.
type directives struct {
	ignore map[string]bool
	allow  bool // plugmig:allow unverifiable
	// allowLater is plugmig:allow writes-core-later: a trigger, rule or
	// event that writes what the branch does not own, later.
	allowLater bool
	problems   []string
}

func parseDirectives(comments []string) directives {
	d := directives{ignore: map[string]bool{}}
	for _, c := range comments {
		c = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(c), "--"), "#"))
		if !strings.HasPrefix(c, "plugmig:") {
			continue
		}
		switch {
		case ignoreRe.MatchString(c):
			m := ignoreRe.FindStringSubmatch(c)
			if strings.TrimSpace(m[2]) == "" {
				d.problems = append(d.problems, fmt.Sprintf("%q has no reason: write -- plugmig:ignore %s: <why this is safe>", c, m[1]))
				continue
			}
			for _, code := range strings.Split(m[1], ",") {
				d.ignore[strings.TrimSpace(code)] = true
			}
		case allowRe.MatchString(c):
			m := allowRe.FindStringSubmatch(c)
			if strings.TrimSpace(m[2]) == "" {
				d.problems = append(d.problems, fmt.Sprintf("%q has no reason: write -- plugmig:allow %s: <what it does and why>", c, m[1]))
				continue
			}
			if m[1] == "unverifiable" {
				d.allow = true
			} else {
				d.allowLater = true
			}
		case dataLossRe.MatchString(c):
			// Apply's directive: lint only checks that it gives a reason.
			if m := dataLossRe.FindStringSubmatch(c); strings.TrimSpace(m[1]) == "" {
				d.problems = append(d.problems, fmt.Sprintf("%q has no reason: write -- plugmig:allow data-loss: <why the data may go>", c))
			}
		default:
			d.problems = append(d.problems, fmt.Sprintf("%q is not a directive: use -- plugmig:ignore <CODE>: <reason>, -- plugmig:allow unverifiable: <reason> or -- plugmig:allow writes-core-later: <reason>", c))
		}
	}
	return d
}

var unverifiable = map[string]*lazyre.Regexp{
	"postgres": lazyre.New(`(?is)^\s*(DO\b|EXECUTE\s)`),
	"mysql":    lazyre.New(`(?is)^\s*(CALL\b|EXECUTE\s|PREPARE\s)`),
	"sqlite":   lazyre.New(`(?is)^\s*ATTACH\b`),
}

// atlasReporter collects Atlas analyzer reports as findings.
type atlasReporter struct {
	file migrate.File
	base Finding
	out  *[]Finding
}

func (r atlasReporter) WriteReport(rep sqlcheck.Report) {

	for _, d := range rep.Diagnostics {
		f := r.base
		f.Code, f.Severity = d.Code, Warning
		f.Line = lineOf(r.file.Bytes(), d.Pos)
		f.Message = rep.Text + ": " + d.Text
		*r.out = append(*r.out, f)
	}
}

func lineOf(b []byte, pos int) int {
	if pos < 0 {
		return 0
	}
	return 1 + strings.Count(string(b[:min(pos, len(b))]), "\n")
}

func analyze(ctx context.Context, dialect string, drv migrate.Driver, f migrate.File, changes []*sqlcheck.Change, rep atlasReporter) error {
	az, err := sqlcheck.AnalyzerFor(dialect, nil)
	if err != nil {
		return err
	}
	if len(az) == 0 {
		return fmt.Errorf("no Atlas analyzers registered for %s", dialect)
	}
	pass := &sqlcheck.Pass{
		File:     &sqlcheck.File{File: f, Changes: changes},
		Dev:      &sqlclient.Client{Name: dialect, Driver: drv},
		Reporter: rep,
	}
	for _, a := range az {
		// An analyzer returns an error when it reported something; the
		// reports are what count.
		_ = a.Analyze(ctx, pass)
	}
	return nil
}

// legacy returns whether branch claims a name without its prefix
// (plugin.Plugin.LegacyNames, and the names derived from a claimed table),
// or nil when it claims none.
func (l *Linter) legacy(branch string) func(string) bool {
	reg := l.Project.Composer.Plugins()
	if len(reg.LegacyNames(branch)) == 0 {
		return nil
	}
	return func(name string) bool { return reg.Claimant(name) == branch }
}
