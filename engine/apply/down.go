package apply

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/engine/plugin"
)

// Down takes one branch back to an earlier version (see [Migrator.Down]).
//
// The plan is computed, never hand-written: the branch's history up to the
// target version is replayed on a scratch database (with the histories it
// builds on, as far as this database applied them), and Atlas computes
// what turns the branch's live tables, and only those, into that state.
// A reverted version's folder may hold an explicit down part,
// down/<version>.sql, for data the computed change cannot restore: its
// statements run between the computed change's additions and its drops.
// The plan runs as one synthetic migration of the branch, through the very
// path a file of the branch takes at apply: the data-loss check, the
// ownership guard under the plugin's identity (PostgreSQL role, MySQL
// account, SQLite authorizer), one transaction on SQLite and PostgreSQL,
// per-statement progress on MySQL. Its revision, keyed by a version that
// sorts between the branch's versions (see [DownKey]), is the history's
// record of the down; the reverted versions' revisions are deleted with
// it, so a later apply runs their files again, unchanged.

// ErrDown is wrapped by every refusal of Down before anything ran.
var ErrDown = errors.New("down refused")

// DownRequest says which branch Down takes back, and how far.
type DownRequest struct {
	// Branch is "core" or a plugin's name.
	Branch string
	// To is the applied version to go back to; or else Steps, how many
	// applied versions to take back.
	To    string
	Steps int
	// DryRun computes and returns the plan and runs nothing.
	DryRun bool
}

// DownPlan is what Down does (or, dry, would do) to one branch.
type DownPlan struct {
	Branch string `json:"branch"`
	// From is the branch's applied version, To the one it goes back to.
	From string `json:"from"`
	To   string `json:"to"`
	// Reverted are the versions that go down, newest first.
	Reverted []string `json:"reverted"`
	// Explicit are the reverted versions whose down part the plan holds.
	Explicit []string `json:"explicit_down_parts,omitempty"`
	// Statements are the plan's statements, in order.
	Statements []string `json:"statements"`
	// Losses are what the plan would drop or narrow that holds data.
	Losses []DownLoss `json:"data_loss,omitempty"`
	// Resumed is set when the plan finishes an interrupted down.
	Resumed bool `json:"resumed,omitempty"`
	// Duration is how long the plan ran (zero on a dry run).
	Duration time.Duration `json:"duration_ns,omitempty"`

	key  string // the down's version in the history
	file migrate.File
}

// SQL is the plan as one script, as Down runs it.
func (p *DownPlan) SQL() string {
	if p == nil || p.file == nil {
		return ""
	}
	return string(p.file.Bytes())
}

// DownLoss is one object a down plan drops or narrows that holds data.
type DownLoss struct {
	// Object is "table t", "column t.c", or "column t.c (type a -> b)".
	Object string `json:"object"`
	// Rows is how many rows hold it (for a column: a value that would go).
	Rows int64 `json:"rows"`
	// Allowed is the reason an explicit down part gives for it, if any.
	Allowed string `json:"allowed,omitempty"`
}

func (l DownLoss) String() string {
	s := fmt.Sprintf("drops %s, which holds %d row(s)", l.Object, l.Rows)
	if strings.HasPrefix(l.Object, "column") {
		s = fmt.Sprintf("drops or narrows %s, which holds a value in %d row(s)", l.Object, l.Rows)
	}
	if l.Allowed != "" {
		s += " (allowed by the down part: " + l.Allowed + ")"
	}
	return s
}

// DownDataLossError is Down's refusal of a plan that drops data.
type DownDataLossError struct {
	Branch, To string
	Losses     []DownLoss
}

func (e *DownDataLossError) Error() string {
	lines := make([]string, len(e.Losses))
	for i, l := range e.Losses {
		lines[i] = "  " + l.String()
	}
	return fmt.Sprintf("%s: branch %q to version %s: the plan %s:\n%s\n  nothing was run. If the loss is intended, run go run ./cmd down --branch %s --to %s --allow-data-loss (or write the down part that carries the data, see docs/plugin-guide.md)",
		ErrDown, e.Branch, e.To, ErrDataLoss, strings.Join(lines, "\n"), e.Branch, e.To)
}

// Unwrap makes the refusal match ErrDown and ErrDataLoss.
func (e *DownDataLossError) Unwrap() []error { return []error{ErrDown, ErrDataLoss} }

// Down takes a branch back to an earlier version on the database, under
// the run lock: it computes the plan, writes it to the progress writer
// (see [DownPlan.Describe]),
// refuses (naming each object and its rows) a plan that drops data unless
// WithAllowDataLoss, refuses a branch whose dependents' applied
// histories need what would go, and runs the plan as the branch's own
// migration would run. With req.DryRun it returns the plan and runs
// nothing. An interrupted down (MySQL) is finished by running Down again
// to the same version: the plan is computed anew from the live tables.
func (m *Migrator) Down(ctx context.Context, req DownRequest) (*DownPlan, error) {
	var p *DownPlan
	err := m.withLock(ctx, func() error {
		var err error
		if p, err = m.planDown(ctx, req); err != nil {
			return err
		}
		if req.DryRun {
			return nil
		}
		fmt.Fprint(m.progress, p.Describe())
		return m.runDown(ctx, p)
	})
	return p, err
}

// Describe is the plan as Down prints it before running it: what goes
// down, the data it drops, and its SQL.
func (p *DownPlan) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- down: branch %s from %s to %s (reverts %s)\n", p.Branch, p.From, p.To, strings.Join(p.Reverted, ", "))
	if p.Resumed {
		b.WriteString("-- finishes an interrupted down: computed anew from the live tables\n")
	}
	for _, l := range p.Losses {
		fmt.Fprintf(&b, "-- data loss: %s\n", l)
	}
	if len(p.Statements) == 0 {
		b.WriteString("-- no statement: the tables already are as that version leaves them; only the history changes\n")
	}
	b.WriteString(p.SQL())
	return b.String()
}

// downTarget checks the request against the branch's history and returns
// the versions applied (oldest first), the version to go back to, and the
// reverted versions (newest first).
func downTarget(req DownRequest, bp *BranchPlan) (to string, reverted []string, err error) {
	var applied []string
	baseline := ""
	for _, r := range bp.Revisions {
		switch {
		case r.Type == migrate.RevisionTypeBaseline:
			baseline = r.Version
			applied = append(applied, r.Version)
		case r.Applied == r.Total && r.Error == "":
			applied = append(applied, r.Version)
		case r.Applied > 0:
			return "", nil, fmt.Errorf("%w: branch %q: version %s is partly applied (%d of %d statements): finish it first with go run ./cmd apply", ErrDown, bp.Branch, r.Version, r.Applied, r.Total)
		}
	}
	if len(applied) < 2 {
		return "", nil, fmt.Errorf("%w: branch %q has %s applied here: there is no earlier version to go back to (go run ./cmd plugin remove %s drops a plugin's tables and history)", ErrDown, bp.Branch, plural(len(applied), "version"), bp.Branch)
	}
	switch {
	case req.To != "" && req.Steps != 0:
		return "", nil, fmt.Errorf("%w: give --to or --steps, not both", ErrDown)
	case req.Steps < 0:
		return "", nil, fmt.Errorf("%w: --steps %d: use 1 or more", ErrDown, req.Steps)
	case req.Steps > 0:
		if req.Steps >= len(applied) {
			return "", nil, fmt.Errorf("%w: branch %q: --steps %d goes below its first applied version %s (%s applied): use at most --steps %d", ErrDown, bp.Branch, req.Steps, applied[0], plural(len(applied), "version"), len(applied)-1)
		}
		to = applied[len(applied)-1-req.Steps]
	case req.To != "":
		to = req.To
	default:
		return "", nil, fmt.Errorf("%w: say how far: --to <version> (one of %s) or --steps N", ErrDown, strings.Join(applied[:len(applied)-1], ", "))
	}
	i := slices.Index(applied, to)
	switch {
	case i < 0:
		return "", nil, fmt.Errorf("%w: branch %q has no applied version %q: use one of %s", ErrDown, bp.Branch, to, strings.Join(applied[:len(applied)-1], ", "))
	case i == len(applied)-1:
		return "", nil, fmt.Errorf("%w: branch %q is at version %s already: nothing to take back", ErrDown, bp.Branch, to)
	case baseline != "" && to < baseline:
		return "", nil, fmt.Errorf("%w: branch %q: version %s is before its baseline %s, which this database never ran: go back at most to %s", ErrDown, bp.Branch, to, baseline, baseline)
	}
	for j := len(applied) - 1; j > i; j-- {
		reverted = append(reverted, applied[j])
	}
	return to, reverted, nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// downBranchPlan checks the branch Down was asked for and returns its plan
// (as apply reads it) and its interrupted down, if any.
func (m *Migrator) downBranchPlan(ctx context.Context, branch string) (*BranchPlan, *migrate.Revision, error) {
	if branch != plugin.Core {
		if _, err := m.composer.Plugins().Get(branch); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrDown, err)
		}
		if !slices.Contains(m.enabled, branch) {
			return nil, nil, fmt.Errorf("%w: plugin %q is disabled here: enable it to take it down (its identity and dependents are checked as an enabled plugin's)", ErrDown, branch)
		}
	}
	all, err := m.store.all(ctx)
	if err != nil {
		return nil, nil, err
	}
	var revs []*migrate.Revision
	var open *migrate.Revision
	for _, r := range all {
		switch {
		case r.Branch != branch:
		case IsDownKey(r.Version):
			if r.Applied < r.Total || r.Error != "" {
				open = r.Revision
			}
		default:
			revs = append(revs, r.Revision)
		}
	}
	bp, err := m.planBranch(branch, revs)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrDown, err)
	}
	return bp, open, nil
}

// runDown runs a computed plan as the branch's own migration would run:
// under its plugin's identity and the ownership guard, in one transaction
// where the dialect has them, its revision written and the reverted
// versions' deleted with its last statement.
func (m *Migrator) runDown(ctx context.Context, p *DownPlan) error {
	if len(p.Losses) > 0 && !m.allowDataLoss {
		var refused []DownLoss
		for _, l := range p.Losses {
			if l.Allowed == "" {
				refused = append(refused, l)
			}
		}
		if len(refused) > 0 {
			return &DownDataLossError{Branch: p.Branch, To: p.To, Losses: refused}
		}
	}
	bp, _, err := m.downBranchPlan(ctx, p.Branch)
	if err != nil {
		return err
	}
	bp.Dir = &fsDir{dialect: m.dialect, files: []migrate.File{p.file}}
	bp.Pending = []migrate.File{p.file}
	bp.down, bp.reverts = true, p.Reverted
	if p.Resumed {
		// Recorded, nothing of it to resume: the plan is a new one.
		bp.Revisions = append(bp.Revisions, &migrate.Revision{Version: p.key})
	}
	plans := []*BranchPlan{bp}
	if err := m.prepareIdentities(ctx, plans); err != nil {
		return err
	}
	defer m.startLogins(ctx, plans)()
	if err := m.store.create(ctx); err != nil {
		return fmt.Errorf("create %s: %w", HistoryTable, err)
	}
	if err := m.enterBranch(ctx, bp); err != nil {
		return err
	}
	defer m.leaveBranch(bp)
	defer bp.closeScratch() // the guard's, when the plan runs outside a transaction
	fr, err := m.applyFile(ctx, bp, p.file, nil)
	p.Duration = fr.Duration
	return err
}

// unfinishedDown is the refusal of a branch whose last down did not
// finish (MySQL: killed, or a statement failed), and the command that
// finishes it; nil when there is none.
func unfinishedDown(all []Revision, branch string) *BranchProblem {
	downs := downsOf(all, branch)
	if len(downs) == 0 {
		return nil
	}
	r := downs[len(downs)-1]
	if r.Applied >= r.Total && r.Error == "" {
		return nil
	}
	from, to, _ := ParseDownKey(r.Version)
	cmd := fmt.Sprintf("go run ./cmd down --branch %s --to %s", branch, to)
	why := fmt.Sprintf("was interrupted after %d of its %d statements", r.Applied, r.Total)
	if r.Error != "" {
		why = fmt.Sprintf("failed at statement %d of %d (%s)", r.Applied+1, r.Total, oneLine(r.Error))
	}
	return &BranchProblem{err: fmt.Errorf("branch %q: a down from version %s to %s %s: its tables are between the two versions; finish it with %s (it computes what is left from the live tables)", branch, from, to, why, cmd), Next: cmd}
}

// lastDown describes the branch's last finished down when nothing was
// applied to the branch since (the branch is where it took it), or "".
func lastDown(all []Revision, branch string) string {
	downs := downsOf(all, branch)
	if len(downs) == 0 {
		return ""
	}
	d := downs[len(downs)-1]
	if d.Applied < d.Total || d.Error != "" {
		return ""
	}
	for _, r := range all {
		if r.Branch == branch && !IsDownKey(r.Version) && r.ExecutedAt.After(d.ExecutedAt) {
			return ""
		}
	}
	from, to, _ := ParseDownKey(d.Version)
	return fmt.Sprintf("went down from %s to %s at %s", from, to, d.ExecutedAt.UTC().Format(time.DateTime))
}

// downOutcome says what a failed statement of a down's plan (the idx-th)
// left and what to do: the plan is computed, so nothing is to be edited.
func downOutcome(tx bool, idx int) string {
	if tx || idx <= 1 {
		return "the down was rolled back (nothing of it ran): the branch is where it was; remove the cause the database names (for a table of another branch that references this one, take that branch down first) and run the same down again"
	}
	return fmt.Sprintf("statements 1-%d ran and are recorded (this database commits DDL at once): the branch is between the two versions; remove the cause the database names and run the same down again, which computes what is left from the live tables", idx-1)
}
