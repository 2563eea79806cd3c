package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/plugmig/plugmig/engine/apply"
)

// DownCmd takes one branch back to an earlier version: the plan is
// computed from its history and its live tables, printed, and run as the
// branch's own migration would run.
type DownCmd struct {
	Target
	Branch        string `short:"b" required:"" help:"Branch to take back: core or a plugin."`
	To            string `placeholder:"VERSION" help:"Applied version to go back to (go run ./cmd history --branch <branch> lists them)."`
	Steps         int    `placeholder:"N" help:"How many applied versions to take back (instead of --to)."`
	DryRun        bool   `help:"Print the plan (and the data it would drop) and change nothing."`
	AllowDataLoss bool   `help:"Run a plan that drops a table or column holding data, or narrows a column whose values would not fit (refused by default, naming each object and its rows)."`
	Guard         string `default:"enforce" enum:"enforce,observe" help:"How a plugin's plan is kept to what the plugin owns, as at apply: enforce (its PostgreSQL role, MySQL/MariaDB account, SQLite authorizer) or observe (weaker, see SECURITY.md)."`
	JSON          bool   `name:"json" help:"Print the plan and its outcome as JSON."`
}

// downJSON is down --json.
type downJSON struct {
	Database string          `json:"database"`
	DryRun   bool            `json:"dry_run,omitempty"`
	Plan     *apply.DownPlan `json:"plan,omitempty"`
	Error    string          `json:"error,omitempty"`
}

// Run computes the plan, prints it, and unless --dry-run runs it.
func (c *DownCmd) Run(app *App) error {
	if c.To == "" && c.Steps == 0 {
		return &exitError{code: 2, err: errors.New("say how far: --to <version> or --steps N (go run ./cmd history --branch " + c.Branch + " lists the applied versions)")}
	}
	c.options = append(c.options, apply.WithGuard(c.Guard), apply.WithAllowDataLoss(c.AllowDataLoss))
	ctx, interrupted := interruptible()
	defer interrupted()
	m, db, url, err := c.open(ctx, app)
	if err != nil {
		return err
	}
	defer db.Close()
	if !c.DryRun && !c.JSON {
		fmt.Fprintf(app.Stderr, "taking branch %s down in %s\n", c.Branch, url)
	}
	p, err := m.Down(ctx, apply.DownRequest{Branch: c.Branch, To: c.To, Steps: c.Steps, DryRun: c.DryRun})
	if err != nil && interrupted() != nil {
		err = &exitError{code: 130, err: fmt.Errorf("interrupted: on SQLite and PostgreSQL the down was rolled back, the branch is where it was; on MySQL/MariaDB run the same down again to finish it (go run ./cmd status shows it)\n  %w", err)}
	}
	if c.JSON {
		out := downJSON{Database: url, DryRun: c.DryRun, Plan: p}
		if err != nil {
			out.Error = err.Error()
		}
		return errors.Join(err, printJSON(app.Stdout, out))
	}
	if err != nil {
		return err
	}
	if c.DryRun {
		fmt.Fprint(app.Stdout, p.Describe())
		fmt.Fprintf(app.Stdout, "-- dry run: nothing was changed; run it without --dry-run%s\n", lossHint(p, c.AllowDataLoss))
		return nil
	}
	fmt.Fprintf(app.Stdout, "%s: down from %s to %s in %s (reverted %s, %d statement(s), %s); go run ./cmd apply brings it forward again\n",
		p.Branch, p.From, p.To, url, strings.Join(p.Reverted, ", "), len(p.Statements), p.Duration.Round(1e6))
	return nil
}

// lossHint says that a dry run's plan would be refused without
// --allow-data-loss.
func lossHint(p *apply.DownPlan, allowed bool) string {
	for _, l := range p.Losses {
		if l.Allowed == "" && !allowed {
			return " (it drops data: add --allow-data-loss, or write the down part that carries it)"
		}
	}
	return ""
}
