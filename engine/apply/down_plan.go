package apply

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/schema"

	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/engine/plan"
	"github.com/plugmig/plugmig/engine/plugin"
)

// downKeyInfix separates the versions of a down's key: no migration
// version holds a dot.
const downKeyInfix = ".down."

// DownKey is the history's version of a down of a branch from version
// from to version to, started at: "<from>.down.<to>.<UTC time>". It sorts
// after from and before any later version, and holds no underscore (the
// end of a migration file's version).
func DownKey(from, to string, at time.Time) string {
	return from + downKeyInfix + to + "." + at.UTC().Format("20060102150405.000000")
}

// IsDownKey reports whether a history version is a down's (see DownKey).
func IsDownKey(version string) bool { return strings.Contains(version, downKeyInfix) }

// ParseDownKey returns the versions a down's key names.
func ParseDownKey(key string) (from, to string, ok bool) {
	from, rest, ok := strings.Cut(key, downKeyInfix)
	if !ok {
		return "", "", false
	}
	to, _, _ = strings.Cut(rest, ".")
	return from, to, true
}

// DownPartDir is the sub-folder of a branch's dialect folder that holds
// explicit down parts, one per version: down/<version>.sql.
const DownPartDir = "down"

// planDown computes the plan of a down request under the run lock.
func (m *Migrator) planDown(ctx context.Context, req DownRequest) (*DownPlan, error) {
	bp, open, err := m.downBranchPlan(ctx, req.Branch)
	if err != nil {
		return nil, err
	}
	p := &DownPlan{Branch: req.Branch}
	if open != nil {
		if err := p.resume(req, bp, open); err != nil {
			return nil, err
		}
	} else {
		if p.To, p.Reverted, err = downTarget(req, bp); err != nil {
			return nil, err
		}
		p.From = bp.Applied().Version
		p.key = DownKey(p.From, p.To, time.Now())
	}
	if p.Resumed {
		if err := m.waitForDown(ctx, p); err != nil {
			return nil, err
		}
	}
	if m.dialect != "sqlite" && m.scratchURL == "" {
		return nil, fmt.Errorf("%w: down replays the branch's history on a scratch database: configure apply.WithScratchURL (the CLI passes the target's URL)", ErrDown)
	}
	dev, err := devdb.Open(ctx, m.dialect, m.scratchURL)
	if err != nil {
		return nil, fmt.Errorf("%w: scratch database to replay the history on: %w (grant CREATE on the server; nothing was changed)", ErrDown, err)
	}
	defer dev.Close()
	revs, err := m.appliedVersions(ctx)
	if err != nil {
		return nil, err
	}
	revs[req.Branch] = p.To
	if err := m.checkDependents(ctx, dev, req.Branch, revs); err != nil {
		return nil, err
	}
	changes, err := m.downChanges(ctx, dev, req.Branch, revs)
	if err != nil {
		return nil, err
	}
	return p, m.fillPlan(ctx, p, changes)
}

// resume takes over an interrupted down (MySQL, whose DDL commits
// statement by statement): same target, plan computed anew.
func (p *DownPlan) resume(req DownRequest, bp *BranchPlan, open *migrate.Revision) error {
	from, to, _ := ParseDownKey(open.Version)
	cmd := fmt.Sprintf("go run ./cmd down --branch %s --to %s", p.Branch, to)
	if (req.To != "" && req.To != to) || req.Steps > 0 && req.To == "" && !stepsLandOn(req.Steps, bp, to) {
		return fmt.Errorf("%w: branch %q: a down from %s to %s was interrupted; finish it first with %s", ErrDown, p.Branch, from, to, cmd)
	}
	p.From, p.To, p.key, p.Resumed = from, to, open.Version, true
	for i := len(bp.Revisions) - 1; i >= 0; i-- {
		if r := bp.Revisions[i]; r.Version > to {
			p.Reverted = append(p.Reverted, r.Version)
		}
	}
	return nil
}

// waitForDown waits while the statement an interrupted down sent may still
// run on the server (the dead client's session: the server finishes it),
// so the plan is computed from the tables as it leaves them: a schema
// change that names one of the branch's tables (for core, any).
func (m *Migrator) waitForDown(ctx context.Context, p *DownPlan) error {
	rerun := fmt.Sprintf("go run ./cmd down --branch %s --to %s", p.Branch, p.To)
	return m.waitWhileRunning(ctx, rerun, func(text string) bool {
		words := strings.Fields(strings.ToUpper(text))
		if len(words) == 0 || !slices.Contains([]string{"ALTER", "DROP", "CREATE", "RENAME"}, words[0]) {
			return false
		}
		if p.Branch == plugin.Core || strings.Contains(text, plugin.Prefix(p.Branch)) {
			return true
		}
		for _, n := range m.composer.Plugins().LegacyNames(p.Branch) {
			if strings.Contains(text, n) {
				return true
			}
		}
		return false
	})
}

// stepsLandOn reports whether --steps n from the branch's applied version
// is version to.
func stepsLandOn(n int, bp *BranchPlan, to string) bool {
	got, _, err := downTarget(DownRequest{Branch: bp.Branch, Steps: n}, bp)
	return err == nil && got == to
}

// appliedVersions maps every branch with history to its applied version.
func (m *Migrator) appliedVersions(ctx context.Context) (map[string]string, error) {
	all, err := m.store.all(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for b, revs := range byBranch(all) {
		if v, _ := lastApplied(revs); v != "" {
			out[b] = v
		}
	}
	return out, nil
}

// replay runs, on the scratch database (reset first), the files of each of
// owners up to its version in upTo, and returns which owner's history
// created each table.
func (m *Migrator) replay(ctx context.Context, dev *devdb.DB, owners []string, upTo map[string]string) (map[string]string, error) {
	if err := dev.Reset(ctx); err != nil {
		return nil, err
	}
	created := map[string]string{}
	for _, owner := range owners {
		dir, err := m.sources.Dir(owner, m.dialect)
		if err != nil {
			return nil, err
		}
		files, err := dir.Files()
		if err != nil {
			return nil, err
		}
		files = slices.DeleteFunc(slices.Clone(files), func(f migrate.File) bool { return f.Version() > upTo[owner] })
		if err := plan.Replay(ctx, dev.Driver, &fsDir{dialect: m.dialect, files: files}); err != nil {
			return nil, fmt.Errorf("branch %q up to %s: %w", owner, upTo[owner], err)
		}
		s, err := dev.Driver.InspectSchema(ctx, "", nil)
		if err != nil {
			return nil, fmt.Errorf("inspect the scratch database: %w", err)
		}
		for _, t := range s.Tables {
			if _, ok := created[t.Name]; !ok {
				created[t.Name] = owner
			}
		}
	}
	return created, nil
}

// checkDependents refuses a down while a plugin's applied history needs
// what it would take away: each plugin with history here that depends on
// the branch (for core: every one) is replayed on the branch as it would
// be after the down; disabled plugins too, whose tables stay. upTo holds
// the branch's target and every other branch's applied version.
func (m *Migrator) checkDependents(ctx context.Context, dev *devdb.DB, branch string, upTo map[string]string) error {
	var blocked []string
	for _, e := range m.composer.Plugins().Names() {
		if e == branch || upTo[e] == "" {
			continue
		}
		state := "enabled"
		if !slices.Contains(m.enabled, e) {
			state = "disabled, its tables kept"
		}
		b, err := m.composer.Branch(e)
		if err != nil {
			return err
		}
		if !slices.Contains(b.Owners, branch) {
			continue
		}
		if _, err := m.replay(ctx, dev, b.Owners, upTo); err != nil {
			blocked = append(blocked, fmt.Sprintf("plugin %q (%s, applied to %s): %s", e, state, upTo[e], replayFailure(err)))
			continue
		}
		missing, err := danglingReferences(ctx, dev, e, m.composer.Plugins().LegacyNames(e))
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			blocked = append(blocked, fmt.Sprintf("plugin %q (%s, applied to %s): %s", e, state, upTo[e], strings.Join(missing, "; ")))
		}
	}
	if len(blocked) == 0 {
		return nil
	}
	return fmt.Errorf("%w: branch %q cannot go down to %s: plugins that depend on it need what would go (their applied history no longer replays on it):\n  %s\n  nothing was run: take those plugins down first (go run ./cmd down --branch <plugin> ...), or remove them (go run ./cmd plugin remove <plugin> --yes)",
		ErrDown, branch, upTo[branch], strings.Join(blocked, "\n  "))
}

// replayFailure says which statement of a replay failed and the
// database's words, in one line.
func replayFailure(err error) string {
	var se *migrate.StmtExecError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s fails: %v", clip(oneLine(se.Stmt.Text), 80), rootCause(se.Err))
	}
	return oneLine(err.Error())
}

// danglingReferences lists the foreign keys of a plugin's tables on the
// scratch database that reference a table or column it does not hold
// (SQLite creates such a table without complaint).
func danglingReferences(ctx context.Context, dev *devdb.DB, owner string, legacy []string) ([]string, error) {
	s, err := dev.Driver.InspectSchema(ctx, "", nil)
	if err != nil {
		return nil, fmt.Errorf("inspect the scratch database: %w", err)
	}
	var out []string
	for _, t := range s.Tables {
		if !strings.HasPrefix(t.Name, plugin.Prefix(owner)) && !slices.Contains(legacy, t.Name) {
			continue
		}
		for _, fk := range t.ForeignKeys {
			ref, ok := s.Table(fk.RefTable.Name)
			if !ok {
				out = append(out, fmt.Sprintf("%s references table %s", t.Name, fk.RefTable.Name))
				continue
			}
			for _, c := range fk.RefColumns {
				if _, ok := ref.Column(c.Name); !ok {
					out = append(out, fmt.Sprintf("%s references column %s.%s", t.Name, ref.Name, c.Name))
				}
			}
		}
	}
	return out, nil
}

// downChanges replays the branch's history up to its target and returns
// Atlas's changes from the branch's live tables, and only those, to that
// state.
func (m *Migrator) downChanges(ctx context.Context, dev *devdb.DB, branch string, upTo map[string]string) ([]schema.Change, error) {
	b, err := m.composer.Branch(branch)
	if err != nil {
		return nil, err
	}
	created, err := m.replay(ctx, dev, b.Owners, upTo)
	if err != nil {
		return nil, fmt.Errorf("%w: replay the history to compute the plan: %w", ErrDown, err)
	}
	want, err := dev.Driver.InspectSchema(ctx, "", nil)
	if err != nil {
		return nil, fmt.Errorf("inspect the scratch database: %w", err)
	}
	base, err := m.baseDriver()
	if err != nil {
		return nil, err
	}
	live, err := base.InspectSchema(ctx, "", nil)
	if err != nil {
		return nil, fmt.Errorf("inspect the database: %w", err)
	}
	own := func(t string) bool { return m.ownsTable(branch, t, created) }
	from, to := onlyTables(live, own, live), onlyTables(want, own, live)
	changes, err := base.SchemaDiff(from, to)
	if err != nil {
		return nil, fmt.Errorf("compute the down plan: %w", err)
	}
	// A check whose expression changed (an enum's new value) keeps its
	// name: Atlas alone would not restore the old expression.
	return compose.CheckChanges(changes, from, to, compose.SameCheckText), nil
}

// ownsTable reports whether table is the branch's own: a plugin's are
// named with its prefix; core's are those declared by or created by core.
func (m *Migrator) ownsTable(branch, table string, created map[string]string) bool {
	if table == HistoryTable {
		return false
	}
	if branch != plugin.Core {
		return strings.HasPrefix(table, plugin.Prefix(branch)) || m.composer.Plugins().Claimant(table) == branch
	}
	return (&plan.Project{Composer: m.composer}).OwnerOf(table, created) == plugin.Core
}

// onlyTables is a copy of s with only the tables keep accepts, named like
// ref, so Atlas compares tables and not the schemas' names.
func onlyTables(s *schema.Schema, keep func(string) bool, ref *schema.Schema) *schema.Schema {
	out := &schema.Schema{Name: ref.Name, Realm: ref.Realm, Attrs: ref.Attrs}
	for _, t := range s.Tables {
		if keep(t.Name) {
			ct := *t
			ct.Schema = out
			out.Tables = append(out.Tables, &ct)
		}
	}
	return out
}

// fillPlan turns the changes and the reverted versions' explicit down
// parts into the plan's statements, its synthetic migration file and its
// data losses.
func (m *Migrator) fillPlan(ctx context.Context, p *DownPlan, changes []schema.Change) error {
	parts, allowed, err := m.downParts(p)
	if err != nil {
		return err
	}
	var body strings.Builder
	fmt.Fprintf(&body, "-- plugmig down: branch %s from %s to %s\n", p.Branch, p.From, p.To)
	write := func(stmts []string, directive bool) {
		for _, s := range stmts {
			if directive {
				fmt.Fprintf(&body, "-- plugmig:allow data-loss: %s\n", allowed)
			}
			body.WriteString(strings.TrimRight(strings.TrimSpace(s), ";") + ";\n")
		}
	}
	first, rest := changes, []schema.Change(nil)
	if len(parts) > 0 {
		first, rest = splitAdditive(changes)
	}
	for i, cs := range [][]schema.Change{first, rest} {
		if i == 1 { // between the additions and the drops: the down parts
			write(parts, false)
		}
		stmts, err := m.planStmts(ctx, cs)
		if err != nil {
			return err
		}
		write(stmts, allowed != "")
	}
	p.file = &parsedFile{LocalFile: migrate.NewLocalFile(p.key+"_down.sql", []byte(body.String())), dialect: m.dialect}
	if p.Statements, err = p.file.Stmts(); err != nil {
		return fmt.Errorf("%w: split the plan: %w", ErrDown, err)
	}
	if p.Losses, err = m.downLosses(ctx, changes); err != nil {
		return err
	}
	for i := range p.Losses {
		p.Losses[i].Allowed = allowed
	}
	return nil
}

// planStmts plans the statements of changes, unqualified.
func (m *Migrator) planStmts(ctx context.Context, changes []schema.Change) ([]string, error) {
	if len(changes) == 0 {
		return nil, nil
	}
	base, err := m.baseDriver()
	if err != nil {
		return nil, err
	}
	pl, err := base.PlanChanges(ctx, "down", changes, func(o *migrate.PlanOptions) {
		empty := ""
		o.SchemaQualifier = &empty
	})
	if err != nil {
		return nil, fmt.Errorf("%w: plan the changes: %w", ErrDown, err)
	}
	out := make([]string, len(pl.Changes))
	for i, c := range pl.Changes {
		out[i] = c.Cmd
	}
	return out, nil
}

// splitAdditive splits changes into what adds (tables, columns, indexes,
// foreign keys, checks) and the rest, so an explicit down part runs while
// both a version's new objects and the older ones it restores exist.
func splitAdditive(changes []schema.Change) (add, rest []schema.Change) {
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.AddTable:
			add = append(add, c)
		case *schema.ModifyTable:
			var a, r []schema.Change
			for _, tc := range c.Changes {
				switch tc.(type) {
				case *schema.AddColumn, *schema.AddIndex, *schema.AddForeignKey, *schema.AddCheck:
					a = append(a, tc)
				default:
					r = append(r, tc)
				}
			}
			if len(a) > 0 {
				add = append(add, &schema.ModifyTable{T: c.T, Changes: a})
			}
			if len(r) > 0 {
				rest = append(rest, &schema.ModifyTable{T: c.T, Changes: r})
			}
		default:
			rest = append(rest, c)
		}
	}
	return add, rest
}

// downParts reads the explicit down parts of the reverted versions, newest
// first, and the reason one gives for the data the plan drops. A down part
// only moves data: a statement other than INSERT, UPDATE or DELETE is
// refused.
func (m *Migrator) downParts(p *DownPlan) (stmts []string, allowed string, err error) {
	for _, v := range p.Reverted {
		b, name, err := m.sources.downPart(p.Branch, m.dialect, v)
		if err != nil || b == nil {
			if err != nil {
				return nil, "", fmt.Errorf("%w: read %s: %w", ErrDown, name, err)
			}
			continue
		}
		p.Explicit = append(p.Explicit, v)
		decls, err := migdir.Stmts(m.dialect, migrate.NewLocalFile(path.Base(name), b))
		if err != nil {
			return nil, "", fmt.Errorf("%w: branch %q: %s: %w", ErrDown, p.Branch, name, err)
		}
		for i, d := range decls {
			if reason, problem := allowedLoss(d.Comments); problem != "" {
				return nil, "", fmt.Errorf("%w: branch %q: %s: statement %d: %s", ErrDown, p.Branch, name, i+1, problem)
			} else if reason != "" {
				allowed = reason
			}
			word := strings.ToUpper(strings.SplitN(strings.TrimSpace(stripLeadingComments(d.Text))+" ", " ", 2)[0])
			if !slices.Contains([]string{"INSERT", "UPDATE", "DELETE"}, word) {
				return nil, "", fmt.Errorf("%w: branch %q: %s: statement %d (%s) is not an INSERT, UPDATE or DELETE: a down part only moves data, the computed change makes the schema (see docs/plugin-guide.md); nothing was run", ErrDown, p.Branch, name, i+1, oneLine(d.Text))
			}
			stmts = append(stmts, d.Text)
		}
	}
	return stmts, allowed, nil
}

// downPart returns a branch's explicit down part of a version for a
// dialect (nil when it has none) and its path for messages.
func (s Sources) downPart(branch, dialect, version string) ([]byte, string, error) {
	name := path.Join(dialect, DownPartDir, version+".sql")
	fsys, ok := s[branch]
	if !ok || fsys == nil {
		return nil, name, nil
	}
	b, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, name, nil
	}
	return b, name, err
}

// downLosses counts the rows the changes would take: a dropped table's
// rows, a dropped column's values, and the values of a column whose type
// changes (narrowed, or to another type: those that would not fit).
func (m *Migrator) downLosses(ctx context.Context, changes []schema.Change) ([]DownLoss, error) {
	var out []DownLoss
	add := func(object string, n int64, err error) error {
		if err == nil && n > 0 {
			out = append(out, DownLoss{Object: object, Rows: n})
		}
		return err
	}
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.DropTable:
			n, err := m.count(ctx, c.T.Name, "")
			if err := add("table "+c.T.Name, n, err); err != nil {
				return nil, err
			}
		case *schema.ModifyTable:
			for _, tc := range c.Changes {
				var err error
				switch tc := tc.(type) {
				case *schema.DropColumn:
					n, cerr := m.count(ctx, c.T.Name, tc.C.Name)
					err = add("column "+c.T.Name+"."+tc.C.Name, n, cerr)
				case *schema.ModifyColumn:
					if tc.Change.Is(schema.ChangeType) {
						n, cerr := m.countNotFitting(ctx, c.T.Name, tc.From, tc.To)
						err = add(fmt.Sprintf("column %s.%s (type %s -> %s)", c.T.Name, tc.From.Name, typeName2(tc.From), typeName2(tc.To)), n, cerr)
					}
				}
				if err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// countNotFitting counts the values of a column whose type changes that
// might not survive it: for a shorter string type, the longer values; for
// a wider one, none; for any other change, every value.
func (m *Migrator) countNotFitting(ctx context.Context, t string, from, to *schema.Column) (int64, error) {
	fs, ok1 := from.Type.Type.(*schema.StringType)
	ts, ok2 := to.Type.Type.(*schema.StringType)
	if ok1 && ok2 {
		if ts.Size == 0 || (fs.Size != 0 && ts.Size >= fs.Size) {
			return 0, nil
		}
		length := "char_length"
		if m.dialect == "sqlite" {
			length = "length"
		}
		var n int64
		err := m.db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s(%s) > %d", m.quote(t), length, m.quote(from.Name), ts.Size)).Scan(&n)
		if err != nil {
			return 0, fmt.Errorf("count the values of %s.%s longer than %d: %w", t, from.Name, ts.Size, err)
		}
		return n, nil
	}
	return m.count(ctx, t, from.Name)
}

// typeName2 is a column's type as its dialect spells it, for messages.
func typeName2(c *schema.Column) string {
	if c.Type == nil {
		return "?"
	}
	if st, ok := c.Type.Type.(*schema.StringType); ok && st.Size > 0 {
		return fmt.Sprintf("%s(%d)", st.T, st.Size)
	}
	if c.Type.Raw != "" {
		return c.Type.Raw
	}
	return fmt.Sprintf("%T", c.Type.Type)
}
