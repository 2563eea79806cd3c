package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// PluginCmd groups the commands about one plugin.
type PluginCmd struct {
	New    PluginNewCmd    `cmd:"" help:"Scaffold plugins/<name>/: registration, a schema with an example table referencing media entries, migration folders, a conformance test."`
	Remove PluginRemoveCmd `cmd:"" help:"Drop a plugin's tables and its history from the database."`
}

// PluginRemoveCmd drops a plugin's tables and history.
type PluginRemoveCmd struct {
	Target
	Name string `arg:"" help:"Plugin to remove (it may no longer be in the code)."`
	Yes  bool   `help:"Confirm: the plugin's tables and their rows are dropped."`
}

// Run drops the tables, referencing ones first.
func (c *PluginRemoveCmd) Run(app *App) error {
	if !c.Yes {
		return errors.New("this drops the plugin's tables and every row in them: pass --yes to confirm")
	}
	ctx := context.Background()
	m, db, url, err := c.open(ctx, app)
	if err != nil {
		return err
	}
	defer db.Close()
	dropped, err := m.Remove(ctx, c.Name)
	if err != nil {
		return err
	}
	if len(dropped) == 0 {
		fmt.Fprintf(app.Stdout, "%s: no table in %s; its history (if any) is removed\n", c.Name, url)
	} else {
		fmt.Fprintf(app.Stdout, "%s: dropped %s and its history from %s\n", c.Name, strings.Join(dropped, ", "), url)
	}
	if slices.Contains(m.Enabled(), c.Name) {
		fmt.Fprintf(app.Stderr, "note: %s is still enabled, so the next apply creates its tables again: disable it (--plugins / plugmig.json) or remove it from the code\n", c.Name)
	}
	return nil
}
