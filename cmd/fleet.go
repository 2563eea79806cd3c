package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/internal/dbdriver"
	"github.com/plugmig/plugmig/internal/fleet"
)

// Fleet is the flags of a command run on many databases at once (apply,
// status): each target with its own connection, lock and result.
type Fleet struct {
	Targets  string `placeholder:"FILE" help:"Work on every database listed in FILE instead of --url: one URL per line, optionally name=URL, # comments; or JSON [\"url\", {\"name\": ..., \"url\": ...}]; - reads stdin."`
	Parallel *int   `placeholder:"N" help:"With --targets: how many databases are worked on at once, 1 or more (default: the number of CPUs)."`
	FailFast bool   `help:"With --targets: start no new target after one fails (by default every target is attempted)."`
	Shard    string `placeholder:"K/N" help:"With --targets: work only on part K of N of the list, to split a fleet across machines (an indexed Job, a CI matrix). A target's part comes from its name alone, whatever the list's order; the N parts cover every target once. Merge the parts' --json outputs with merge."`
}

// Target results in fleet output.
const (
	resultApplied    = "applied"
	resultUpToDate   = "up to date"
	resultPending    = "pending"
	resultFailed     = "failed"
	resultNotStarted = "not started"
	resultNoDrift    = "no drift"
	resultDrift      = "drift"
)

// fleetTarget is one target's line in a fleet's summary and JSON.
type fleetTarget struct {
	Name       string               `json:"name"`
	URL        string               `json:"url"`
	Dialect    string               `json:"dialect,omitempty"`
	Result     string               `json:"result"`
	DurationNS time.Duration        `json:"duration_ns"`
	Branches   []branchChange       `json:"branches,omitempty"`
	Status     []apply.BranchStatus `json:"status,omitempty"`
	Error      string               `json:"error,omitempty"`
}

// branchChange is one branch of a target: where it was and where it is
// (apply), or where it is and its head (status).
type branchChange struct {
	Branch  string `json:"branch"`
	From    string `json:"from"`
	To      string `json:"to"`
	Files   int    `json:"files"`
	Problem string `json:"problem,omitempty"`
	// Note is what drift --targets found in the branch.
	Note string `json:"note,omitempty"`
}

// fleetJSON is the --json output of a command run with --targets.
type fleetJSON struct {
	// Shard is the part of the list worked on (--shard K/N), and Listed
	// how many targets the whole list holds; both empty without --shard.
	Shard   string         `json:"shard,omitempty"`
	Listed  int            `json:"listed,omitempty"`
	Targets []fleetTarget  `json:"targets"`
	Summary map[string]int `json:"summary"`
}

// fleetOutcome is what one target's work produced.
type fleetOutcome struct {
	dialect  string
	result   string
	branches []branchChange
	status   []apply.BranchStatus
}

// runFleet runs work on every target of f.Targets with the target's flags
// and prints a progress line per target (stderr), then the summary table
// or JSON (stdout). It fails when a target failed, or (needsWork) when a
// target has work left.
func runFleet(app *App, f Fleet, verb string, asJSON bool, work func(context.Context, fleet.Target) (fleetOutcome, error)) error {
	targets, err := fleet.ReadFile(f.Targets, app.Stdin)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	out := fleetJSON{}
	if f.Shard != "" {
		shard, err := fleet.ParseShard(f.Shard)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		out.Shard, out.Listed = shard.String(), len(targets)
		targets = shard.Select(targets)
		fmt.Fprintf(app.Stderr, "shard %s: %d of the %d target(s) listed\n", shard, len(targets), out.Listed)
	}
	parallel := runtime.NumCPU()
	if f.Parallel != nil {
		parallel = *f.Parallel
	}
	// Build what every target shares once, before the workers start.
	if _, err := app.Composer(); err != nil {
		return err
	}
	fmt.Fprintf(app.Stderr, "%s %d target(s), %d at a time\n", verb, len(targets), parallel)
	width := len(fmt.Sprint(len(targets)))
	start := time.Now()
	ctx, interrupted := interruptible()
	defer interrupted()
	results := fleet.Run(ctx, fleet.Runner{Parallel: parallel, FailFast: f.FailFast}, targets, work,
		func(done, total int, r fleet.Result[fleetOutcome]) {
			line := fleetLine(r)
			fmt.Fprintf(app.Stderr, "[%*d/%d] %s  %s  %s  %s\n", width, done, total, dbdriver.Shorten(r.Name), line.Result, describe(line), r.Duration.Round(time.Millisecond))
			if line.Error != "" {
				fmt.Fprintf(app.Stderr, "    %s\n", strings.ReplaceAll(line.Error, "\n", "\n    "))
			}
		})
	out.Summary = map[string]int{"targets": len(targets)}
	for _, r := range results {
		line := fleetLine(r)
		out.Targets = append(out.Targets, line)
		out.Summary[strings.ReplaceAll(line.Result, " ", "_")]++
	}
	if asJSON {
		if err := printJSON(app.Stdout, out); err != nil {
			return err
		}
	} else {
		printFleet(app.Stdout, out.Targets)
		fmt.Fprintf(app.Stdout, "%d target(s) in %s, %d at a time: %s\n", len(targets), time.Since(start).Round(time.Millisecond), parallel, tally(out.Summary))
	}
	if sig := interrupted(); sig != nil {
		return &exitError{code: 130, err: fmt.Errorf("interrupted (%s): the targets running were cancelled (an apply's running files roll back where the database allows) and %d were not started; run the same command again: it picks up where each target stopped", sig, out.Summary[strings.ReplaceAll(resultNotStarted, " ", "_")])}
	}
	list := f.Targets
	if f.Shard != "" {
		list += " --shard " + out.Shard
	}
	return fleetVerdict(app, out, asJSON, list)
}

// fleetVerdict is a fleet's exit: an error when a target failed or was not
// started; errSilent (exit 1) when a target has work left or drift, with
// the command that shows or does it (list is the --targets argument).
func fleetVerdict(app *App, out fleetJSON, asJSON bool, list string) error {
	failed := out.Summary[resultFailed] + out.Summary[strings.ReplaceAll(resultNotStarted, " ", "_")]
	switch {
	case failed > 0:
		return fmt.Errorf("%d of %d target(s) failed or were not started (see above); the others are done", failed, len(out.Targets))
	case out.Summary[resultPending] > 0:
		if !asJSON {
			fmt.Fprintln(app.Stdout, "pending work: run go run ./cmd apply --targets", list)
		}
		return errSilent
	case out.Summary[resultDrift] > 0:
		if !asJSON {
			fmt.Fprintln(app.Stdout, "drift found: go run ./cmd drift --url <target> lists the differences of one target")
		}
		return errSilent
	}
	return nil
}

// fleetLine turns a target's result into its summary line.
func fleetLine(r fleet.Result[fleetOutcome]) fleetTarget {
	line := fleetTarget{
		Name: r.Name, URL: r.Redacted(), Dialect: r.Value.dialect, Result: r.Value.result,
		DurationNS: r.Duration, Branches: r.Value.branches, Status: r.Value.status,
	}
	if line.Dialect == "" {
		if t, err := dbdriver.ParseURL(r.URL); err == nil {
			line.Dialect = t.Dialect
		}
	}
	switch {
	case !r.Started():
		line.Result, line.Error = resultNotStarted, r.Err.Error()
	case r.Err != nil:
		line.Result, line.Error = resultFailed, dbdriver.ExplainLocked(r.Err).Error()
	}
	return line
}

// describe is a target's branches in one cell: each changed (or pending)
// branch's before -> after.
func describe(t fleetTarget) string {
	var parts []string
	for _, b := range t.Branches {
		if b.From == b.To && b.Problem == "" && b.Note == "" {
			continue
		}
		p := fmt.Sprintf("%s %s -> %s", b.Branch, orDash(b.From), orDash(b.To))
		if b.Note != "" {
			p = fmt.Sprintf("%s at %s: %s", b.Branch, orDash(b.From), b.Note)
		}
		if b.Files > 0 {
			p += fmt.Sprintf(" (%d)", b.Files)
		}
		if b.Problem != "" {
			p += " refused"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		switch t.Result {
		case resultFailed, resultNotStarted:
			return "-"
		case resultNoDrift:
			return "every branch as its migrations say"
		}
		return "every branch at its head"
	}
	return strings.Join(parts, ", ")
}

func printFleet(w io.Writer, targets []fleetTarget) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tDIALECT\tRESULT\tBRANCHES (BEFORE -> AFTER)\tDURATION\tERROR")
	for _, t := range targets {
		msg, _, _ := strings.Cut(t.Error, "\n")
		if len(msg) > 120 {
			msg = msg[:117] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", dbdriver.Shorten(t.Name), orDash(t.Dialect), t.Result, describe(t), t.DurationNS.Round(time.Millisecond), msg)
	}
	tw.Flush()
}

func tally(summary map[string]int) string {
	var parts []string
	for _, k := range []string{resultApplied, resultUpToDate, resultPending, resultNoDrift, resultDrift, resultFailed, resultNotStarted} {
		if n := summary[strings.ReplaceAll(k, " ", "_")]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	return strings.Join(parts, ", ")
}

// checkFleetFlags refuses fleet flags without --targets, and --url with it
// (DATABASE_URL in the environment is ignored with --targets).
func checkFleetFlags(f Fleet, t Target) error {
	if f.Parallel != nil && *f.Parallel < 1 {
		return &exitError{code: 2, err: fmt.Errorf("--parallel %d: give how many databases to work on at once, 1 or more (default: the number of CPUs)", *f.Parallel)}
	}
	if f.Targets == "" {
		if f.Parallel != nil || f.FailFast || f.Shard != "" {
			return &exitError{code: 2, err: errors.New("--parallel, --fail-fast and --shard work with --targets")}
		}
		return nil
	}
	if t.URL != "" && t.URL != os.Getenv("DATABASE_URL") {
		return &exitError{code: 2, err: errors.New("--url and --targets exclude each other: list the database in the targets file")}
	}
	return nil
}

// applyTarget applies one fleet target. Its result lists every branch
// before -> after; status --targets shows the rest.
func (c *ApplyCmd) applyTarget(app *App) func(context.Context, fleet.Target) (fleetOutcome, error) {
	return func(ctx context.Context, t fleet.Target) (fleetOutcome, error) {
		out := fleetOutcome{}
		if dt, err := dbdriver.ParseURL(t.URL); err == nil {
			out.dialect = dt.Dialect
		}
		m, db, err := c.openURL(ctx, app, t.URL, createMissing, io.Discard)
		if err != nil {
			return out, err
		}
		defer db.Close()
		applied, err := m.Apply(ctx)
		for _, r := range applied {
			out.branches = append(out.branches, branchChange{Branch: r.Branch, From: r.From, To: r.To, Files: len(r.Files)})
			if len(r.Files) > 0 {
				out.result = resultApplied
			}
		}
		if err != nil {
			return out, err
		}
		if out.result == "" {
			out.result = resultUpToDate
		}
		return out, nil
	}
}

// statusTarget reads one fleet target's status.
func (c *StatusCmd) statusTarget(app *App) func(context.Context, fleet.Target) (fleetOutcome, error) {
	return func(ctx context.Context, t fleet.Target) (fleetOutcome, error) {
		out := fleetOutcome{result: resultUpToDate}
		if dt, err := dbdriver.ParseURL(t.URL); err == nil {
			out.dialect = dt.Dialect
		}
		m, db, err := c.openURL(ctx, app, t.URL, refuseMissing, io.Discard)
		if err != nil {
			return out, err
		}
		defer db.Close()
		if out.status, err = m.Status(ctx); err != nil {
			return out, err
		}
		for _, s := range out.status {
			if !s.NeedsWork() {
				continue
			}
			out.result = resultPending
			to := s.Head
			if s.Problem != "" || s.Failed != "" {
				to = s.Applied
			}
			out.branches = append(out.branches, branchChange{Branch: s.Branch, From: s.Applied, To: to, Files: s.Pending, Problem: s.Problem + s.Failed})
		}
		return out, nil
	}
}
