package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plugmig/plugmig/engine/apply"
)

// HistoryCmd lists the history table.
type HistoryCmd struct {
	Target
	Branch string `short:"b" help:"Only this branch."`
	JSON   bool   `name:"json" help:"Print the history as JSON."`
}

type historyJSON struct {
	Branch      string    `json:"branch"`
	Version     string    `json:"version"`
	Description string    `json:"description"`
	Type        string    `json:"type"`
	Applied     int       `json:"applied"`
	Total       int       `json:"total"`
	ExecutedAt  time.Time `json:"executed_at"`
	DurationMS  float64   `json:"duration_ms"`
	Hash        string    `json:"hash"`
	Error       string    `json:"error,omitempty"`
	ErrorStmt   string    `json:"error_statement,omitempty"`
}

// Run prints one line per applied (or baselined, or failed) file.
func (c *HistoryCmd) Run(app *App) error {
	ctx := context.Background()
	m, db, _, err := c.open(ctx, app)
	if err != nil {
		return err
	}
	defer db.Close()
	revs, err := m.History(ctx, c.Branch)
	if err != nil {
		return err
	}
	if len(revs) == 0 && c.Branch != "" {
		if err := knownBranch(app, c.Branch); err != nil {
			return err
		}
	}
	rows := make([]historyJSON, len(revs))
	for i, r := range revs {
		rows[i] = historyJSON{
			Branch: r.Branch, Version: r.Version, Description: r.Description, Type: r.TypeName(),
			Applied: r.Applied, Total: r.Total, ExecutedAt: r.ExecutedAt.UTC(),
			DurationMS: float64(r.ExecutionTime.Microseconds()) / 1000, Hash: r.Hash, Error: r.Error, ErrorStmt: r.ErrorStmt,
		}
	}
	if c.JSON {
		return printJSON(app.Stdout, rows)
	}
	if len(rows) == 0 && c.Branch != "" {
		if err := knownBranch(app, c.Branch); err != nil {
			return err
		}
		fmt.Fprintf(app.Stdout, "branch %s has no history in this database yet: run go run ./cmd apply\n", c.Branch)
		return nil
	}
	if len(rows) == 0 {
		fmt.Fprintln(app.Stdout, "no history yet: run go run ./cmd apply")
		return nil
	}
	tw := tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BRANCH\tVERSION\tDESCRIPTION\tTYPE\tSTATEMENTS\tEXECUTED AT\tDURATION\tERROR")
	for _, r := range rows {
		version, desc := r.Version, r.Description
		if from, to, ok := apply.ParseDownKey(r.Version); ok {
			// A down's record: the versions it went from and to.
			version, desc = to, "down from "+from
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\t%s\t%.1fms\t%s\n", r.Branch, version, desc, r.Type, r.Applied, r.Total,
			r.ExecutedAt.Format(time.DateTime), r.DurationMS, oneLineErr(r.Error))
	}
	return tw.Flush()
}

func oneLineErr(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// knownBranch refuses a branch that is neither core nor a registered plugin
// (one with history in the database is listed whatever its name).
func knownBranch(app *App, branch string) error {
	comp, err := app.Composer()
	if err != nil {
		return err
	}
	branches, err := comp.Branches()
	if err != nil {
		return err
	}
	if slices.Contains(branches, branch) {
		return nil
	}
	return fmt.Errorf("unknown branch %q: neither core nor a registered plugin, and this database has no history of it (branches: %s)", branch, strings.Join(branches, ", "))
}
