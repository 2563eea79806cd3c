package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/plan"
)

// DiffCmd writes the migrations a branch's ent schema needs, or with --check
// reports every branch whose migrations lag behind its schema.
type DiffCmd struct {
	Branch []string `short:"b" placeholder:"BRANCH" help:"Branch to diff: core or a plugin name. Repeat for several."`
	All    bool     `help:"Diff every branch, core first."`
	Name   string   `short:"n" help:"Description of the migration, in the file name (lower-case words and underscores, e.g. add_caption)."`
	Check  bool     `help:"Write nothing; exit 1 and list what is pending when any branch's migrations (or those --branch names) differ from its ent schema."`
	JSON   bool     `name:"json" help:"With --check, print the result as JSON."`
}

// Validate checks the flag combinations.
func (c *DiffCmd) Validate() error {
	switch {
	case c.Check:
		return nil
	case len(c.Branch) == 0 && !c.All:
		return errors.New("name a branch with --branch <core|plugin>, or pass --all (or --check to only compare)")
	case len(c.Branch) > 0 && c.All:
		return errors.New("pass --branch or --all, not both")
	case c.Name == "":
		return errors.New("describe the migration with --name, e.g. --name add_caption")
	}
	return plan.CheckName(c.Name)
}

// pendingJSON is one branch and dialect in diff --check --json.
type pendingJSON struct {
	Branch     string   `json:"branch"`
	Dialect    string   `json:"dialect"`
	Folder     string   `json:"folder"`
	InSync     bool     `json:"in_sync"`
	Statements []string `json:"statements,omitempty"`
	Error      string   `json:"error,omitempty"`
}

// Run diffs the branches.
func (c *DiffCmd) Run(app *App) error {
	ctx := context.Background()
	proj, devs, closeDevs, err := app.Workspace(ctx)
	if err != nil {
		return err
	}
	defer closeDevs()
	branches := c.Branch
	if c.All || c.Check && len(c.Branch) == 0 {
		if branches, err = proj.Composer.Branches(); err != nil {
			return err
		}
	}
	for _, b := range branches {
		if _, err := proj.Composer.Branch(b); err != nil {
			return err
		}
	}
	if c.Check {
		return c.check(ctx, app, proj, devs, branches)
	}
	for _, b := range branches {
		if err := c.diff(ctx, app, proj, devs, b); err != nil {
			return err
		}
	}
	return nil
}

// diff computes every dialect of one branch, and writes only when all of
// them could be computed.
func (c *DiffCmd) diff(ctx context.Context, app *App, proj *plan.Project, devs map[string]*devdb.DB, branch string) error {
	var (
		pds    []*plan.Pending
		inSync = true
	)
	for _, d := range app.Dialects {
		pd, err := proj.Pending(ctx, devs[d], branch)
		if err != nil {
			return err
		}
		inSync = inSync && pd.InSync()
		pds = append(pds, pd)
	}
	if inSync {
		fmt.Fprintf(app.Stdout, "%s: no change: the migrations match the ent schema (%s); nothing written\n", branch, strings.Join(app.Dialects, ", "))
		return nil
	}
	version, err := proj.NextVersion(branch, app.Dialects, time.Now())
	if err != nil {
		return err
	}
	written, err := proj.Write(pds, version, c.Name)
	for _, f := range written {
		fmt.Fprintf(app.Stdout, "%s: wrote %s\n", branch, f)
	}
	return err
}

func (c *DiffCmd) check(ctx context.Context, app *App, proj *plan.Project, devs map[string]*devdb.DB, branches []string) error {
	var (
		results []pendingJSON
		failed  bool
	)
	for _, b := range branches {
		for _, d := range app.Dialects {
			r := pendingJSON{Branch: b, Dialect: d}
			pd, err := proj.Pending(ctx, devs[d], b)
			switch {
			case err != nil:
				r.Error = err.Error()
				failed = true
			default:
				r.Folder, r.InSync = pd.Dir, pd.InSync()
				for _, ch := range pd.Plan.Changes {
					r.Statements = append(r.Statements, ch.Cmd)
				}
				failed = failed || !r.InSync
			}
			results = append(results, r)
		}
	}
	if c.JSON {
		if err := printJSON(app.Stdout, results); err != nil {
			return err
		}
	} else {
		c.printCheck(app, results)
	}
	if failed {
		return errSilent
	}
	return nil
}

func (c *DiffCmd) printCheck(app *App, results []pendingJSON) {
	pending, failed := 0, 0
	for _, r := range results {
		switch {
		case r.Error != "":
			failed++
			fmt.Fprintf(app.Stdout, "%s (%s): error: %s\n", r.Branch, r.Dialect, r.Error)
		case !r.InSync:
			pending++
			fmt.Fprintf(app.Stdout, "%s (%s): %s lacks %d statement(s):\n", r.Branch, r.Dialect, r.Folder, len(r.Statements))
			for _, s := range r.Statements {
				fmt.Fprintf(app.Stdout, "    %s;\n", s)
			}
		}
	}
	if failed > 0 {
		// Each error names its own way out (hash for a missing atlas.sum, ...):
		// a diff would not get out of it.
		fmt.Fprintf(app.Stdout, "%d branch/dialect pair(s) could not be checked: run the command its error names\n", failed)
	}
	if pending == 0 && failed == 0 {
		fmt.Fprintf(app.Stdout, "in sync: %d branch(es) × %s match their ent schemas\n", len(results)/max(len(app.Dialects), 1), strings.Join(app.Dialects, ", "))
		return
	}
	if pending == 0 {
		return
	}
	fmt.Fprintf(app.Stdout, "%d branch/dialect pair(s) out of sync: run go run ./cmd diff --branch <branch> --name <description> for each branch above\n", pending)
}
