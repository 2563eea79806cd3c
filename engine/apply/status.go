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

// Branch states in Status.
const (
	StateEnabled  = "enabled"
	StateDisabled = "disabled"
	// StateUnknown is a branch in the history whose plugin is not in this
	// build (removed from the code, or its import forgotten).
	StateUnknown = "unknown"
)

// BranchStatus is one branch's state in a database.
type BranchStatus struct {
	Branch             string `json:"branch"`
	State              string `json:"state"`
	Applied            string `json:"applied"`
	AppliedDescription string `json:"applied_description"`
	Head               string `json:"head"`
	HeadDescription    string `json:"head_description"`
	Pending            int    `json:"pending"`
	// Failed is the error of the branch's last, failed file, if any.
	Failed string `json:"failed,omitempty"`
	// Problem is why apply would refuse the branch, if it would.
	Problem string `json:"problem,omitempty"`
	// Next is the one command that gets out of the branch's state ("" when
	// there is nothing to do, or the way out is an edit Problem describes).
	Next string `json:"next,omitempty"`
	// Down says when the branch last went down and from which version to
	// which, while nothing was applied to it since.
	Down string `json:"down,omitempty"`
}

// NeedsWork reports whether apply has something to do (or refuses) for an
// enabled branch.
func (s BranchStatus) NeedsWork() bool {
	return s.State == StateEnabled && (s.Pending > 0 || s.Failed != "" || s.Problem != "")
}

// Status returns every branch's state: core and the registered plugins in
// order, then the branches of the history this build does not know.
func (m *Migrator) Status(ctx context.Context) ([]BranchStatus, error) {
	all, err := m.store.all(ctx)
	if err != nil {
		return nil, err
	}
	revs := byBranch(all)
	ps, err := m.composer.Plugins().Order()
	if err != nil {
		return nil, err
	}
	branches := []string{plugin.Core}
	for _, p := range ps {
		branches = append(branches, p.Name)
	}
	var (
		out    []BranchStatus
		tables map[string]bool
	)
	existing := func() (map[string]bool, error) {
		var err error
		if tables == nil {
			tables, err = m.tables(ctx)
		}
		return tables, err
	}
	for _, b := range branches {
		st := BranchStatus{Branch: b, State: StateEnabled}
		if b != plugin.Core && !slices.Contains(m.enabled, b) {
			st.State = StateDisabled
		}
		st.Down = lastDown(all, b)
		bp, err := m.planBranch(b, revs[b])
		if ud := unfinishedDown(all, b); ud != nil {
			err = ud
		}
		if err != nil {
			st.Problem = err.Error()
			st.Applied, st.AppliedDescription = lastApplied(revs[b])
		} else {
			if r := bp.Applied(); r != nil {
				st.Applied, st.AppliedDescription = r.Version, r.Description
			}
			if h := bp.Head(); h != nil {
				st.Head, st.HeadDescription = h.Version(), h.Desc()
			}
			st.Pending = len(bp.Pending)
		}
		if err := m.nextStep(ctx, &st, bp, err, existing); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	var unknown []string
	for b := range revs {
		if !slices.Contains(branches, b) {
			unknown = append(unknown, b)
		}
	}
	slices.Sort(unknown)
	for _, b := range unknown {
		st := BranchStatus{Branch: b, State: StateUnknown}
		st.Applied, st.AppliedDescription = lastApplied(revs[b])
		st.Next = fmt.Sprintf("go run ./cmd plugin remove %s --yes", b)
		out = append(out, st)
	}
	return out, nil
}

func lastApplied(revs []*migrate.Revision) (string, string) {
	for i := len(revs) - 1; i >= 0; i-- {
		if r := revs[i]; r.Applied == r.Total && r.Error == "" {
			return r.Version, r.Description
		}
	}
	return "", ""
}

// History returns the history rows, of one branch or ("") of all, in the
// order they ran.
func (m *Migrator) History(ctx context.Context, branch string) ([]Revision, error) {
	all, err := m.store.all(ctx)
	if err != nil {
		return nil, err
	}
	var out []Revision
	for _, r := range all {
		if branch == "" || r.Branch == branch {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b Revision) int { return a.ExecutedAt.Compare(b.ExecutedAt) })
	return out, nil
}

// Baseline records that the database already holds a branch's tables as of
// version, without running anything: files up to it count as applied.
func (m *Migrator) Baseline(ctx context.Context, branch, version string) error {
	if branch != plugin.Core {
		if _, err := m.composer.Plugins().Get(branch); err != nil {
			return err
		}
	}
	return m.withLock(ctx, func() error {
		revs, err := m.store.all(ctx)
		if err != nil {
			return err
		}
		for _, r := range revs {
			if r.Branch == branch {
				return fmt.Errorf("branch %q already has history in this database (version %s): baseline only adopts a branch with none", branch, r.Version)
			}
		}
		dir, err := m.sources.Dir(branch, m.dialect)
		if err != nil {
			return err
		}
		files, err := dir.Files()
		if err != nil {
			return err
		}
		var versions []string
		for _, f := range files {
			if f.Version() == version {
				if err := m.store.create(ctx); err != nil {
					return err
				}
				return m.store.write(ctx, branch, &migrate.Revision{
					Version: f.Version(), Description: f.Desc(), Type: migrate.RevisionTypeBaseline, OperatorVersion: m.operator,
					ExecutedAt: time.Now(), // when it was adopted: history shows it
				})
			}
			versions = append(versions, f.Version())
		}
		return fmt.Errorf("branch %q has no migration with version %q: use one of %s", branch, version, strings.Join(versions, ", "))
	})
}

// ErrEnabled is wrapped by Remove's refusal of a plugin that is still
// enabled: the next apply would create its tables again.
var ErrEnabled = errors.New("plugin is still enabled")

// Removed is what Remove did.
type Removed struct {
	// Tables are the tables dropped.
	Tables []string
	// Seeds are the plugin's seed rows found in the database: deleted
	// (Delete) or kept, and why (see SeedRemoval).
	Seeds []SeedRow
}

// Remove drops tables, a plugin's own (what its schema declares or its
// history creates: drift.Checker.Removal says which), referencing tables
// first, deletes the plugin's seed rows that SeedRemoval says may go, in
// the same transaction (MySQL: after the tables), then its history and its
// database identity, under the run lock. It refuses, before dropping
// anything, while the plugin is enabled or an enabled plugin depends on
// it, and when a name in tables lacks the plugin's prefix.
func (m *Migrator) Remove(ctx context.Context, name string, tables []string) (*Removed, error) {
	if err := m.Removable(name, tables); err != nil {
		return nil, err
	}
	r := &Removed{}
	err := m.withLock(ctx, func() error {
		order, err := m.dropOrder(ctx, tables)
		if err != nil {
			return err
		}
		if len(order) == 0 {
			if err := m.hasHistory(ctx, name); err != nil {
				return err
			}
		}
		if r.Seeds, err = m.SeedRemoval(ctx, name, tables); err != nil {
			return err
		}
		return m.inTx(ctx, func(c conn) error {
			for _, t := range order {
				if _, err := c.ExecContext(ctx, "DROP TABLE "+m.quote(t)); err != nil {
					return fmt.Errorf("drop %s: %w", t, err)
				}
				r.Tables = append(r.Tables, t)
			}
			if err := m.deleteSeeds(ctx, c, r.Seeds); err != nil {
				return err
			}
			st := store{dialect: m.dialect, db: c}
			ok, err := st.exists(ctx)
			if err == nil && ok {
				err = st.delete(ctx, name, "")
			}
			if err != nil {
				return err
			}
			return m.dropIdentity(ctx, c, name)
		})
	})
	if err != nil && m.dialect != "mysql" {
		r.Tables = nil
	}
	return r, err
}

// Removable refuses what Remove must not do: remove an enabled plugin (or
// one an enabled plugin needs), or drop a table without its prefix.
func (m *Migrator) Removable(name string, tables []string) error {
	if err := plugin.ValidateName(name); err != nil {
		return err
	}
	if slices.Contains(m.enabled, name) {
		return fmt.Errorf("plugin %q: %w, so the next apply would create its tables again: nothing was dropped; disable it first (%s), or remove it from the code", name, ErrEnabled, m.disableHint(name))
	}
	for _, e := range m.enabled {
		deps, err := m.composer.Plugins().Closure(e)
		if err != nil {
			return err
		}
		if slices.Contains(deps, name) {
			return fmt.Errorf("plugin %q is needed by enabled plugin %q: disable or remove %q first", name, e, e)
		}
	}
	for _, t := range tables {
		if !strings.HasPrefix(t, plugin.Prefix(name)) && m.composer.Plugins().Claimant(t) != name {
			return fmt.Errorf("table %q is not plugin %q's (its tables are named %s..., or claimed in its LegacyNames): nothing was dropped", t, name, plugin.Prefix(name))
		}
	}
	return nil
}

// disableHint says how to run without the plugin: --plugins with the other
// enabled plugins.
func (m *Migrator) disableHint(name string) string {
	others := slices.DeleteFunc(slices.Clone(m.enabled), func(e string) bool { return e == name })
	list := "none"
	if len(others) > 0 {
		list = strings.Join(others, ",")
	}
	return fmt.Sprintf("pass --plugins %s, or list the enabled plugins in plugmig.json without it", list)
}

// dropOrder returns those of tables the database has, in an order they can
// be dropped in.
func (m *Migrator) dropOrder(ctx context.Context, tables []string) ([]string, error) {
	if len(tables) == 0 {
		return nil, nil
	}
	drv, err := m.baseDriver()
	if err != nil {
		return nil, err
	}
	s, err := drv.InspectSchema(ctx, "", nil)
	if err != nil {
		return nil, err
	}
	return dropOrder(s.Tables, tables)
}

// inTx runs fn in a transaction on SQLite and PostgreSQL, committed when
// fn succeeds; on MySQL, whose DDL commits at once, directly.
func (m *Migrator) inTx(ctx context.Context, fn func(conn) error) error {
	if m.dialect == "mysql" {
		return fn(m.db)
	}
	tx, err := m.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// ErrNothingToRemove is wrapped by Remove's error when the database holds
// no table and no history of the plugin.
var ErrNothingToRemove = errors.New("nothing to remove")

// hasHistory returns ErrNothingToRemove unless the database has history
// rows of the branch.
func (m *Migrator) hasHistory(ctx context.Context, branch string) error {
	all, err := m.store.all(ctx)
	if err != nil {
		return err
	}
	for _, r := range all {
		if r.Branch == branch {
			return nil
		}
	}
	hint := ""
	if _, err := m.composer.Plugins().Get(branch); err != nil {
		hint = fmt.Sprintf(" (registered plugins: %s; check the name)", strings.Join(m.composer.Plugins().Names(), ", "))
	}
	return fmt.Errorf("plugin %q: %w: this database has no table %s* and no history of it%s", branch, ErrNothingToRemove, plugin.Prefix(branch), hint)
}
