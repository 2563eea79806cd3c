package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/compose"
	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/plugin"
	internalapp "github.com/plugmig/plugmig/internal/app"
)

// StatusCmd shows each branch's state in the database.
type StatusCmd struct {
	Target
	Fleet
	JSON bool `name:"json" help:"Print the status as JSON."`
}

// Run prints one line per branch; it exits 1 when an enabled branch has
// pending or failed files (for deploy checks), or, run in the source tree,
// when a branch's ent schema and its migrations there differ.
func (c *StatusCmd) Run(app *App) error {
	if err := checkFleetFlags(c.Fleet, c.Target); err != nil {
		return err
	}
	if c.Targets != "" {
		return runFleet(app, c.Fleet, "reading the status of", c.JSON, c.statusTarget(app))
	}
	ctx := context.Background()
	m, db, _, err := c.open(ctx, app)
	if err != nil {
		return err
	}
	defer db.Close()
	status, err := m.Status(ctx)
	if err != nil {
		return err
	}
	work := false
	for _, s := range status {
		work = work || s.NeedsWork()
	}
	if c.JSON {
		if err := printJSON(app.Stdout, status); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "BRANCH\tSTATE\tAPPLIED\tHEAD\tPENDING")
		for _, s := range status {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", s.Branch, s.State, orDash(s.Applied), orDash(s.Head), s.Pending)
		}
		tw.Flush()
		onlyApply := true
		for _, s := range status {
			if s.State == "enabled" && s.Failed != "" {
				fmt.Fprintf(app.Stdout, "%s: the last file failed: %s\n", s.Branch, s.Failed)
			}
			if s.Down != "" {
				fmt.Fprintf(app.Stdout, "%s: %s; go run ./cmd apply brings it forward again\n", s.Branch, s.Down)
			}
			if s.Problem != "" {
				fmt.Fprintf(app.Stdout, "%s: apply would refuse: %s\n", s.Branch, s.Problem)
			}
			if s.NeedsWork() && s.Next != "go run ./cmd apply" {
				onlyApply = false
				next := untrackedRestore(app, s.Next)
				if next == "" {
					next = "the edit the message above describes"
				}
				fmt.Fprintf(app.Stdout, "%s: next: %s\n", s.Branch, next)
			}
			if s.State == "unknown" {
				fmt.Fprintf(app.Stdout, "%s: in the history but not in this build: restore the plugin, or %s\n", s.Branch, s.Next)
			}
		}
		printOffByDefault(app, status)
		if printSourceAhead(ctx, app, status) {
			onlyApply, work = false, true
		}
		applied := slices.ContainsFunc(status, func(s apply.BranchStatus) bool { return s.Applied != "" })
		if err := printDriftStatus(ctx, app.Stdout, app, &c.Target, db, applied); err != nil {
			return err
		}
		if hint, err := m.AtlasBehind(ctx); err != nil {
			return err
		} else if hint != "" {
			fmt.Fprintf(app.Stdout, "core: %s\n", hint)
		}
		if work && onlyApply {
			fmt.Fprintln(app.Stdout, "pending work: run go run ./cmd apply")
		}
	}
	if work {
		return errSilent
	}
	return nil
}

// printOffByDefault names the disabled plugins that are off by default
// (plugin.Plugin.DisabledByDefault), and how to enable one.
func printOffByDefault(app *App, status []apply.BranchStatus) {
	var off []string
	for _, s := range status {
		if s.State != apply.StateDisabled {
			continue
		}
		if p, err := plugin.Default().Get(s.Branch); err == nil && p.DisabledByDefault {
			off = append(off, s.Branch)
		}
	}
	if len(off) > 0 {
		fmt.Fprintf(app.Stdout, "off by default: %s (enable with --plugins or \"plugins\" in plugmig.json naming every plugin to enable)\n", strings.Join(off, ", "))
	}
}

// printSourceAhead compares, when status runs in the source tree (the
// module root holds ent/schema), each enabled branch's ent schema with what
// its migrations there replay to on an in-memory SQLite database: after go
// generate without diff the database is up to date with migrations that are
// themselves behind. It prints which way each branch differs and the one
// thing to do, and reports whether it printed anything. A branch whose
// migrations do not replay is left to apply and lint, which name the file.
func printSourceAhead(ctx context.Context, app *App, status []apply.BranchStatus) bool {
	root, err := app.ModuleRoot()
	if err != nil {
		return false
	}
	if _, err := os.Stat(filepath.Join(root, "ent", "schema")); err != nil {
		return false
	}
	if err := internalapp.CheckGenerated(root); err != nil {
		fmt.Fprintf(app.Stdout, "source: %v\n", err)
		return true
	}
	var branches []string
	for _, s := range status {
		if s.State != apply.StateDisabled && s.State != apply.StateUnknown {
			branches = append(branches, s.Branch)
		}
	}
	// The replay costs seconds: a check that found everything in sync is
	// remembered (under .data/, git-ignored) until the schemas or a folder
	// change.
	key := internalapp.SourceKey(root, branches)
	stamp := filepath.Join(root, ".data", "status-source-check")
	if b, err := os.ReadFile(stamp); err == nil && string(b) == key {
		return false
	}
	proj, err := app.Project()
	if err != nil {
		return false
	}
	dev, err := devdb.Open(ctx, compose.SQLite, "")
	if err != nil {
		return false
	}
	defer dev.Close()
	printed, checked := false, true
	for _, b := range branches {
		pd, err := proj.Pending(ctx, dev, b)
		if err != nil {
			checked = false
			continue
		}
		if pd.InSync() {
			continue
		}
		fmt.Fprintf(app.Stdout, "%s: in the source tree, %s\n", b, pd.Explain())
		printed = true
	}
	if !printed && checked && os.MkdirAll(filepath.Dir(stamp), 0o755) == nil {
		os.WriteFile(stamp, []byte(key), 0o644)
	}
	return printed
}

// untrackedRestore rewrites a hint that restores a file with git checkout
// when git does not know the file (written since the last commit, or no
// repository): git cannot restore it, so the hint says what can.
func untrackedRestore(app *App, next string) string {
	rest, ok := strings.CutPrefix(next, "git checkout -- ")
	if !ok || app.Root == "" {
		return next
	}
	file, then, _ := strings.Cut(rest, " && ")
	if exec.Command("git", "-C", app.Root, "ls-files", "--error-unmatch", "--", file).Run() == nil {
		return next
	}
	hint := "put " + file + " back as it was applied, by hand: git does not know the file, so git checkout cannot restore it (commit migrations once written)"
	if then != "" {
		hint += ", then " + then
	}
	return hint
}
