package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/plugmig/plugmig/engine/apply"
)

// ApplyCmd applies core's pending migrations, then each enabled plugin's.
type ApplyCmd struct {
	Target
	Fleet
	DryRun            bool `help:"Print the SQL that would run, per branch, and change nothing."`
	SingleTransaction bool `help:"Apply every pending file of every branch in one transaction: all or nothing (SQLite; PostgreSQL for core's files, or with --guard=observe: a transaction cannot hold plugin files to their roles)."`
	JSON              bool `name:"json" help:"Print the result as JSON."`
	// Interrupted settles a statement an interrupted run left undecided.
	AllowDataLoss bool   `help:"Run files that drop a table or column holding data (refused by default, naming the object and its rows; or mark the statement with -- plugmig:allow data-loss: <reason>)."`
	Interrupted   string `placeholder:"ran|rerun" help:"MySQL/MariaDB, and PostgreSQL files outside a transaction: what became of the statement an interrupted (killed) run was executing, when apply cannot tell from the schema and says so: ran (record it as applied) or rerun (run it again)."`
	Guard         string `default:"enforce" enum:"enforce,observe" help:"How plugin files are kept to what they own: enforce (PostgreSQL: a role per plugin; MySQL/MariaDB: an account per plugin; the database refuses) or observe (the migrator's privileges and the observer only: weaker, see SECURITY.md)."`
	Branches      int    `default:"2" placeholder:"N" help:"PostgreSQL: how many plugin branches apply at once, each on its own session, after core's files and after the plugins each depends on (1: one after another)."`
}

// applyJSON is apply --json.
type applyJSON struct {
	Database string               `json:"database"`
	DryRun   bool                 `json:"dry_run,omitempty"`
	Branches []apply.BranchResult `json:"applied,omitempty"`
	Pending  []dryRunBranch       `json:"pending,omitempty"`
	Status   []apply.BranchStatus `json:"status"`
	// Error is why the run failed; what it applied before is in Branches.
	Error string `json:"error,omitempty"`
}

type dryRunBranch struct {
	Branch string       `json:"branch"`
	Files  []dryRunFile `json:"files"`
	// Seeds are the seed rows apply would insert after the files.
	Seeds []string `json:"seeds,omitempty"`
}

type dryRunFile struct {
	Name       string   `json:"name"`
	Statements []string `json:"statements"`
	// Refused is why apply would refuse the file before running it.
	Refused string `json:"refused,omitempty"`
}

// Run applies, or with --dry-run prints, the pending files. With --json a
// failure is a JSON object too: {"database", "error", "applied"}.
func (c *ApplyCmd) Run(app *App) error {
	c.options = append(c.options, apply.WithGuard(c.Guard))
	if err := checkFleetFlags(c.Fleet, c.Target); err != nil {
		return err
	}
	if c.Branches < 1 {
		return &exitError{code: 2, err: fmt.Errorf("--branches %d: use 1 or more (1 applies the plugin branches one after another)", c.Branches)}
	}
	if c.SingleTransaction {
		c.options = append(c.options, apply.WithSingleTransaction())
	}
	c.options = append(c.options, c.applyOptions()...)
	if c.Targets != "" {
		if c.DryRun {
			return &exitError{code: 2, err: errors.New("--dry-run works on one database: use --url")}
		}
		return runFleet(app, c.Fleet, "applying to", c.JSON, c.applyTarget(app))
	}
	out, err := c.run(app)
	if err != nil && c.JSON {
		out.Error = err.Error()
		if perr := printJSON(app.Stdout, out); perr != nil {
			return errors.Join(err, perr)
		}
	}
	return err
}

// applyOptions are the Migrator options of apply's own flags.
func (c *ApplyCmd) applyOptions() []apply.Option {
	return []apply.Option{apply.WithInterrupted(c.Interrupted), apply.WithAllowDataLoss(c.AllowDataLoss), apply.WithParallelBranches(c.Branches)}
}

func (c *ApplyCmd) run(app *App) (applyJSON, error) {
	ctx, interrupted := interruptible()
	defer interrupted()
	missing := createMissing
	if c.DryRun {
		missing = memoryMissing
	}
	out := applyJSON{DryRun: c.DryRun}
	m, db, url, err := c.openTarget(ctx, app, missing)
	if err != nil {
		return out, err
	}
	defer db.Close()
	out.Database = url
	if c.DryRun {
		if out.Pending, err = dryRun(ctx, m); err != nil {
			return out, err
		}
	} else {
		fmt.Fprintf(app.Stderr, "applying to %s\n", url)
		out.Branches, err = m.Apply(ctx)
		if err != nil {
			if sig := interrupted(); sig != nil {
				return out, &exitError{code: 130, err: fmt.Errorf("interrupted (%s): the statements running were cancelled and their files rolled back, where the database allows (SQLite, PostgreSQL; on MySQL/MariaDB the next apply decides what became of the statement); every file that finished is recorded: run apply again to continue (go run ./cmd status shows where it stopped)\n  %w", sig, err)}
			}
			return out, err
		}
	}
	if out.Status, err = m.Status(ctx); err != nil {
		return out, err
	}
	if c.JSON {
		return out, printJSON(app.Stdout, out)
	}
	if c.DryRun {
		printDryRun(app.Stdout, out.Pending)
		return out, nil
	}
	printSummary(app.Stdout, out.Branches, out.Status)
	return out, nil
}

func dryRun(ctx context.Context, m *apply.Migrator) ([]dryRunBranch, error) {
	plans, err := m.Plan(ctx)
	if err != nil {
		return nil, err
	}
	var out []dryRunBranch
	for _, bp := range plans {
		b := dryRunBranch{Branch: bp.Branch}
		if b.Seeds, err = m.PendingSeeds(ctx, bp.Branch); err != nil {
			return nil, err
		}
		if len(bp.Pending) == 0 && len(b.Seeds) == 0 {
			continue
		}
		for _, f := range bp.Pending {
			stmts, err := m.Stmts(f)
			if err != nil {
				return nil, fmt.Errorf("%s/%s: %w", bp.Folder, f.Name(), err)
			}
			df := dryRunFile{Name: bp.Folder + "/" + f.Name(), Statements: stmts}
			if err := m.CheckDataLoss(ctx, bp, f); err != nil {
				df.Refused = err.Error()
			}
			b.Files = append(b.Files, df)
		}
		out = append(out, b)
	}
	return out, nil
}

func printDryRun(w io.Writer, branches []dryRunBranch) {
	if len(branches) == 0 {
		fmt.Fprintln(w, "-- nothing to apply: every enabled branch is up to date")
		return
	}
	for _, b := range branches {
		for _, f := range b.Files {
			fmt.Fprintf(w, "-- branch %s: %s\n", b.Branch, f.Name)
			if f.Refused != "" {
				fmt.Fprintf(w, "-- apply would refuse this file: %s\n", strings.ReplaceAll(f.Refused, "\n", "\n-- "))
			}
			for _, s := range f.Statements {
				fmt.Fprintln(w, s)
			}
		}
		if len(b.Seeds) > 0 {
			fmt.Fprintf(w, "-- branch %s: seed rows not in the database yet\n", b.Branch)
			for _, s := range b.Seeds {
				fmt.Fprintln(w, s)
			}
		}
	}
}

func printSummary(w io.Writer, results []apply.BranchResult, status []apply.BranchStatus) {
	applied := map[string]apply.BranchResult{}
	total := 0
	for _, r := range results {
		applied[r.Branch] = r
		total += len(r.Files)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, s := range status {
		r := applied[s.Branch]
		switch {
		case s.State == apply.StateUnknown:
			fmt.Fprintf(tw, "%s\tunknown\tat %s: in the history but not in this build; its tables are untouched (restore the plugin, or go run ./cmd plugin remove %s --yes)\n", s.Branch, s.Applied, s.Branch)
		case s.State == apply.StateDisabled:
			fmt.Fprintf(tw, "%s\tdisabled\tkept at %s, %d pending\n", s.Branch, orDash(s.Applied), s.Pending)
		case len(r.Files) > 0:
			var d time.Duration
			for _, f := range r.Files {
				d += f.Duration
			}
			seeded := ""
			if r.Seeded > 0 {
				seeded = fmt.Sprintf(", %d seed row(s)", r.Seeded)
			}
			fmt.Fprintf(tw, "%s\tapplied\t%s -> %s (%d file(s)%s, %s)\n", s.Branch, orDash(r.From), r.To, len(r.Files), seeded, d.Round(time.Millisecond))
		case r.Seeded > 0:
			fmt.Fprintf(tw, "%s\tup to date\tat %s, inserted %d missing seed row(s)\n", s.Branch, orDash(s.Applied), r.Seeded)
		default:
			fmt.Fprintf(tw, "%s\tup to date\tat %s\n", s.Branch, orDash(s.Applied))
		}
	}
	tw.Flush()
	if total == 0 {
		fmt.Fprintln(w, "everything is up to date")
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// interruptible returns a context cancelled by the first SIGINT or SIGTERM
// (the database driver cancels the running statement, and the file's
// transaction rolls back), after which a second one ends the process at
// once; and a function that stops watching and returns the signal that
// cancelled, if one did.
func interruptible() (context.Context, func() os.Signal) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	var mu sync.Mutex
	var got os.Signal
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			mu.Lock()
			got = sig
			mu.Unlock()
			signal.Reset(os.Interrupt, syscall.SIGTERM) // a second one: the default, the process ends
			cancel()
		case <-done:
		}
	}()
	var once sync.Once
	return ctx, func() os.Signal {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
			cancel()
		})
		mu.Lock()
		defer mu.Unlock()
		return got
	}
}
