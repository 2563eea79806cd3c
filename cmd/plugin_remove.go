package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/plugmig/plugmig/engine/drift"
)

// PluginRemoveCmd drops a plugin's tables and history.
type PluginRemoveCmd struct {
	Target
	Name   string `arg:"" help:"Plugin to remove (it may no longer be in the code)."`
	Yes    bool   `help:"Confirm: the listed tables and their rows are dropped."`
	DryRun bool   `name:"dry-run" help:"List what would be dropped and what would be left; change nothing."`
	JSON   bool   `name:"json" help:"With --dry-run, print the list as JSON."`
}

// Run lists what the plugin owns in the database (replaying its history on
// a scratch database), then drops it when confirmed. An enabled plugin is
// refused before anything is dropped (a dry run lists, then refuses too).
func (c *PluginRemoveCmd) Run(a *App) error {
	ctx := context.Background()
	chk, target, closeDB, url, err := c.openDrift(ctx, a)
	if err != nil {
		return err
	}
	defer closeDB()
	m := target.Migrator
	refusal := m.Removable(c.Name, nil)
	if refusal != nil && !c.DryRun {
		return refusal
	}
	r, err := chk.Removal(ctx, target, c.Name)
	if err != nil {
		return err
	}
	if r.Seeds, err = m.SeedRemoval(ctx, c.Name, r.Drop); err != nil {
		return err
	}
	switch {
	case c.DryRun && c.JSON:
		if err := printJSON(a.Stdout, r); err != nil {
			return err
		}
		return refusal
	case c.DryRun:
		printRemoval(a.Stdout, url, r, "would drop")
		return refusal
	case !c.Yes:
		printRemoval(a.Stderr, url, r, "would drop")
		return fmt.Errorf("this drops the %d table(s) listed above and every row in them: pass --yes to confirm (--dry-run only lists)", len(r.Drop))
	}
	done, err := m.Remove(ctx, c.Name, r.Drop)
	if err != nil {
		return err
	}
	r.Drop, r.Seeds = done.Tables, done.Seeds
	printRemoval(a.Stdout, url, r, "dropped")
	return nil
}

// printRemoval lists what remove drops (verb: "would drop" or "dropped")
// and what it leaves.
func printRemoval(w io.Writer, url string, r *drift.Removal, verb string) {
	if r.Unregistered {
		fmt.Fprintf(w, "%s: not in this build, so its history's files cannot say which tables it created: every table named %s__* counts as its own (restore the plugin's code first to drop only what it created)\n", r.Plugin, r.Plugin)
	}
	if len(r.Drop) == 0 {
		fmt.Fprintf(w, "%s: no table of it in %s; %s its history (if any) and its database identity\n", r.Plugin, url, verb)
	} else {
		fmt.Fprintf(w, "%s: %s %s, its history and its database identity from %s\n", r.Plugin, verb, strings.Join(r.Drop, ", "), url)
	}
	if len(r.Leave) > 0 {
		fmt.Fprintf(w, "%s: left untouched (its prefix, but its history does not create them): %s\n", r.Plugin, strings.Join(r.Leave, ", "))
	}
	del := map[string]string{"would drop": "would delete", "dropped": "deleted"}[verb]
	for _, s := range r.Seeds {
		if s.Delete {
			fmt.Fprintf(w, "%s: %s its seed row %s\n", r.Plugin, del, s)
		} else {
			fmt.Fprintf(w, "%s: keeps its seed row %s: %s\n", r.Plugin, s, s.Reason)
		}
	}
}
