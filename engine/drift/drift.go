// Package drift compares a live database with what its migration history
// says it holds, and adopts databases whose tables were made by something
// else (MediaGoblin's Alembic tree, the atlas CLI, hand-written SQL).
//
// Both replay each branch's migration files on a scratch database (SQLite
// in memory; a throw-away database on the target's PostgreSQL or MySQL
// server), inspect it with Atlas, and compare it with Atlas's inspection of
// the live database restricted to the branch's tables. Adopt replays every
// version of a branch without history and records, as the branch's
// baseline, the newest one the live tables match; Check replays each
// branch up to its applied version and lists what was added, dropped or
// changed since. Differences that cannot change the application's
// behaviour (a UNIQUE constraint for a unique index, a type spelled
// differently with the same affinity, a deviation the application
// documents) are notes, not differences. Tables no registered branch owns
// and other tools' history tables are listed and never touched.
//
// It is a stage after apply: it imports the earlier stages, never the
// application.
package drift

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/schema"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/internal/sqlq"
	"github.com/plugmig/plugmig/engine/plugin"
)

// ErrDifferences is wrapped by adopt's refusal when a branch's tables match
// none of its versions.
var ErrDifferences = errors.New("the tables match no version of their branch")

// Branch states in a Report.
const (
	StateAdopted    = "adopted"     // adopt recorded a baseline
	StateWouldAdopt = "would adopt" // adopt --dry-run
	StateRefused    = "refused"     // no version matches; nothing recorded
	StateHasHistory = "has history" // adopt leaves it to apply
	StateNoTables   = "no tables"   // adopt: apply creates them
	StateOK         = "ok"          // drift: as the history says
	StateDrift      = "drift"       // drift: unexplained differences
	StateNotAdopted = "not adopted" // drift: tables but no history
	StateNotApplied = "not applied" // drift: no tables, no history
)

// Checker compares databases with one application's branches. It holds no
// database: call Adopt or Check once per database (concurrently if needed).
type Checker struct {
	comp       *compose.Composer
	sources    apply.Sources
	deviations []Deviation
	defaults   map[string]bool // "table.column" with a default the application sets itself
}

// Option configures a Checker.
type Option func(*Checker)

// WithDeviations declares differences the application knowingly has from
// the databases it adopts; they are neutral, shown with their reason.
func WithDeviations(ds ...Deviation) Option {
	return func(c *Checker) { c.deviations = append(c.deviations, ds...) }
}

// New returns a Checker of the application's branches, whose migration
// folders are sources (those apply runs).
func New(comp *compose.Composer, sources apply.Sources, opts ...Option) (*Checker, error) {
	c := &Checker{comp: comp, sources: sources, defaults: map[string]bool{}}
	all, err := comp.Union(comp.Plugins().Names()...)
	if err != nil {
		return nil, err
	}
	for _, t := range all.Tables {
		for _, col := range t.Columns {
			if col.Default != nil {
				c.defaults[t.Name+"."+col.Name] = true
			}
		}
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Target is one database to adopt or check.
type Target struct {
	DB      *sql.DB
	Dialect string
	// Migrator is apply's Migrator of DB: its history, baselines, enabled
	// plugins and run lock.
	Migrator *apply.Migrator
	// ScratchURL names the server where a scratch database is created and
	// dropped to replay history (normally the target's own URL). SQLite
	// uses memory.
	ScratchURL string
}

// Report is what Adopt or Check found in one database.
type Report struct {
	Branches []BranchReport `json:"branches"`
	// Unowned are tables no registered branch owns: listed, never touched.
	Unowned []string `json:"unowned,omitempty"`
	// Foreign are other migration tools' histories: listed, never touched.
	Foreign []ForeignHistory `json:"other_histories,omitempty"`
	// Warnings are problems that did not stop the run.
	Warnings []string `json:"warnings,omitempty"`
}

// BranchReport is one branch's result.
type BranchReport struct {
	Branch      string `json:"branch"`
	State       string `json:"state"`
	Version     string `json:"version,omitempty"`
	Description string `json:"description,omitempty"`
	// Source says how adopt chose Version: "match", "closest" (no version
	// matched), or the atlas CLI's revisions table.
	Source string `json:"source,omitempty"`
	// Differences are the unexplained ones.
	Differences []Difference `json:"differences,omitempty"`
	// Accepted were recorded by adopt --accept.
	Accepted []Difference `json:"accepted,omitempty"`
	// Notes do not change the application's behaviour.
	Notes []Difference `json:"notes,omitempty"`
}

// Drift reports whether any branch has unexplained differences, or tables
// without history.
func (r *Report) Drift() bool {
	return slices.ContainsFunc(r.Branches, func(b BranchReport) bool {
		return b.State == StateDrift || b.State == StateNotAdopted || b.State == StateRefused
	})
}

// session is one Adopt or Check on one database.
type session struct {
	*Checker
	t       Target
	live    *schema.Schema
	dev     *devdb.DB
	cmp     *comparer
	revs    map[string][]apply.Revision
	created map[string]string // table -> branch whose history created it
	// liveObjects are the live database's triggers, views, routines,
	// events, rules and policies (read once); database is its name.
	liveObjects map[string]codeObject
	database    string
}

func (c *Checker) open(ctx context.Context, t Target) (*session, error) {
	drv, err := compose.Open(t.Dialect, t.DB)
	if err != nil {
		return nil, err
	}
	live, err := drv.InspectSchema(ctx, "", nil)
	if err != nil {
		return nil, fmt.Errorf("inspect the database: %w", err)
	}
	hist, err := t.Migrator.History(ctx, "")
	if err != nil {
		return nil, err
	}
	revs := map[string][]apply.Revision{}
	for _, r := range hist {
		if !apply.IsDownKey(r.Version) { // a down's record, not a file's
			revs[r.Branch] = append(revs[r.Branch], r)
		}
	}
	dev, err := devdb.Open(ctx, t.Dialect, t.ScratchURL)
	if err != nil {
		return nil, fmt.Errorf("scratch database to replay the history on: %w (drift and adopt replay each branch's migrations on a throw-away database on the target's server: the connected user needs CREATEDB and CREATEROLE on PostgreSQL, CREATE and CREATE USER on MySQL; nothing was changed)", err)
	}
	s := &session{Checker: c, t: t, live: live, dev: dev, revs: revs, created: map[string]string{}}
	s.cmp = &comparer{drv: dev.Driver, dialect: t.Dialect, deviations: c.deviations,
		appDefault: func(table, column string) bool { return c.defaults[table+"."+column] }}
	return s, nil
}

// applied returns the newest version of the branch recorded as applied (or
// baselined), or "".
func (s *session) applied(branch string) (string, string) {
	revs := s.revs[branch]
	slices.SortFunc(revs, func(a, b apply.Revision) int { return strings.Compare(a.Version, b.Version) })
	for i := len(revs) - 1; i >= 0; i-- {
		if r := revs[i]; r.Applied == r.Total && r.Error == "" {
			return r.Version, r.Description
		}
	}
	return "", ""
}

// version is one replayed version of a branch: the scratch database's
// schema right after its file.
type version struct {
	file   migrate.File
	schema *schema.Schema
}

// allVersions, as replay's upTo, replays every file.
const allVersions = "~"

// replay runs the branch's files with versions up to upTo ("" for none,
// allVersions for all) on the scratch database, on top of what earlier
// branches left there. It returns the schema after each file when keep is
// set, and the schema after the last one.
func (s *session) replay(ctx context.Context, branch, upTo string, keep bool) ([]version, *schema.Schema, error) {
	dir, err := s.sources.Dir(branch, s.t.Dialect)
	if err != nil {
		return nil, nil, err
	}
	files, err := dir.Files()
	if err != nil {
		return nil, nil, err
	}
	var out []version
	for _, f := range files {
		if f.Version() > upTo {
			break
		}
		ex, err := migrate.NewExecutor(s.dev.Driver, dir, migrate.NopRevisionReadWriter{}, migrate.WithAllowDirty(true))
		if err != nil {
			return nil, nil, err
		}
		if err := ex.ExecuteFiles(ctx, []migrate.File{f}); err != nil {
			return nil, nil, fmt.Errorf("branch %q: replay %s on a scratch database: %w", branch, f.Name(), err)
		}
		if keep {
			sch, err := s.inspectDev(ctx, branch)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, version{file: f, schema: sch})
		}
	}
	if keep && len(out) > 0 {
		return out, out[len(out)-1].schema, nil
	}
	last, err := s.inspectDev(ctx, branch)
	return out, last, err
}

// inspectDev inspects the scratch database and credits the tables that
// appeared since the last inspection to branch.
func (s *session) inspectDev(ctx context.Context, branch string) (*schema.Schema, error) {
	sch, err := s.dev.Driver.InspectSchema(ctx, "", nil)
	if err != nil {
		return nil, fmt.Errorf("inspect the scratch database: %w", err)
	}
	for _, t := range sch.Tables {
		if _, ok := s.created[t.Name]; !ok {
			s.created[t.Name] = branch
		}
	}
	return sch, nil
}

// owned returns the names of the branch's tables: declared in its schema or
// created by its history.
func (s *session) owned(branch string) []string {
	names := s.comp.Tables(branch)
	for t, b := range s.created {
		if b == branch && !slices.Contains(names, t) {
			names = append(names, t)
		}
	}
	slices.Sort(names)
	return names
}

// liveTables returns which of names the database has.
func (s *session) liveTables(names []string) []string {
	var out []string
	for _, n := range names {
		if _, ok := s.live.Table(n); ok {
			out = append(out, n)
		}
	}
	return out
}

// compareAt compares the branch's tables in the live database, its strays
// included, with a replayed schema.
func (s *session) compareAt(branch string, sch *schema.Schema) ([]Difference, error) {
	ds, err := s.cmp.compare(sch, s.live, s.claimed(branch))
	for i, d := range ds {
		if d.Kind == KindTable && d.What == WhatExtra && slices.Contains(s.stray(branch), d.Table) {
			ds[i].Live = strayNote(branch)
		}
	}
	return ds, err
}

// finish fills in what concerns the whole database.
func (s *session) finish(ctx context.Context, r *Report) error {
	foreign, err := ForeignHistories(ctx, s.t.DB, s.t.Dialect)
	if err != nil {
		return err
	}
	r.Foreign = foreign
	skip := []string{apply.HistoryTable, apply.LockTable, Table, AlembicTable, AtlasTable}
	for _, t := range s.live.Tables {
		if slices.Contains(skip, t.Name) || s.comp.Owner(t.Name) != "" || s.created[t.Name] != "" || prefixOwner(s.comp, t.Name) != "" {
			continue
		}
		r.Unowned = append(r.Unowned, t.Name)
	}
	slices.Sort(r.Unowned)
	return nil
}

// Unowned returns the tables of a database that no registered branch
// declares, other than plugmig's and other tools' history tables, and
// apart (stray, by plugin) those with a registered plugin's prefix that
// the plugin does not declare: a cheap check for status (one catalog
// query; it replays nothing, so drift has the last word on a stray).
func Unowned(ctx context.Context, db *sql.DB, dialect string, comp *compose.Composer) (unowned []string, stray map[string][]string, err error) {
	names, err := tableNames(ctx, db, dialect)
	if err != nil {
		return nil, nil, err
	}
	skip := []string{apply.HistoryTable, apply.LockTable, Table, AlembicTable, AtlasTable}
	stray = map[string][]string{}
	for _, t := range names {
		if slices.Contains(skip, t) || comp.Owner(t) != "" {
			continue
		}
		if p := prefixOwner(comp, t); p != "" {
			stray[p] = append(stray[p], t)
			continue
		}
		unowned = append(unowned, t)
	}
	slices.Sort(unowned)
	return unowned, stray, nil
}

// prefixOwner returns the registered plugin whose prefix the table has or
// that claims its name, or "".
func prefixOwner(comp *compose.Composer, table string) string {
	if o := comp.Plugins().OwnerByName(table); o != plugin.Core {
		return o
	}
	return ""
}

// tableNames lists the database's tables, sorted.
func tableNames(ctx context.Context, db *sql.DB, dialect string) ([]string, error) {
	var query string
	switch dialect {
	case "sqlite":
		query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
	case "postgres":
		query = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	default:
		query = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'"
	}
	names, err := sqlq.Strings(ctx, db, query)
	if err != nil {
		return nil, fmt.Errorf("list the database's tables: %w", err)
	}
	slices.Sort(names)
	return names, nil
}

// split sorts differences into notes and the rest.
func split(ds []Difference) (notes, rest []Difference) {
	for _, d := range ds {
		if d.Neutral() {
			notes = append(notes, d)
		} else {
			rest = append(rest, d)
		}
	}
	return notes, rest
}

func summary(ds []Difference) string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// branches returns every registered branch, core first, each plugin after
// the plugins it depends on.
func (c *Checker) branches() ([]string, error) {
	return c.comp.Branches()
}

func now() time.Time { return time.Now().UTC() }
