package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/plugmig/plugmig/engine/drift"
)

// BaselineCmd marks a branch as applied up to a version without running
// anything, once its tables are checked against that version (as adopt
// --branch --version does).
type BaselineCmd struct {
	Target
	Branch  string `short:"b" required:"" help:"Branch whose tables already exist: core or a plugin."`
	Version string `short:"v" required:"" help:"Version the existing tables correspond to (see go run ./cmd heads); they are checked against it first."`
}

// Run checks the branch's tables against the version (replayed on a
// scratch database) and records it if they match.
func (c *BaselineCmd) Run(app *App) error {
	ctx := context.Background()
	chk, target, closeDB, url, err := c.openDrift(ctx, app)
	if err != nil {
		return err
	}
	defer closeDB()
	report, err := chk.Adopt(ctx, target, drift.AdoptOptions{Branch: c.Branch, Version: c.Version})
	if report == nil {
		return err
	}
	br := branchReport(report, c.Branch)
	switch {
	case err != nil:
		printAdopt(app.Stdout, report)
		return err
	case br.State == drift.StateHasHistory:
		return fmt.Errorf("branch %q already has history in this database (version %s): baseline only adopts a branch with none", c.Branch, br.Version)
	case br.State == drift.StateNoTables:
		return fmt.Errorf("branch %q has no tables in %s: nothing to baseline; go run ./cmd apply creates them", c.Branch, url)
	case br.State != drift.StateAdopted:
		return errors.New("baseline: nothing was recorded")
	}
	fmt.Fprintf(app.Stdout, "%s: baselined at %s in %s (its tables match it); later files apply normally\n", c.Branch, c.Version, url)
	return nil
}

// branchReport returns the report's entry of a branch (zero if none).
func branchReport(r *drift.Report, branch string) drift.BranchReport {
	for _, b := range r.Branches {
		if b.Branch == branch {
			return b
		}
	}
	return drift.BranchReport{}
}
