package main

import (
	"context"
	"fmt"
)

// BaselineCmd adopts existing tables: it marks a branch as applied up to a
// version without running anything.
type BaselineCmd struct {
	Target
	Branch  string `short:"b" required:"" help:"Branch whose tables already exist: core or a plugin."`
	Version string `short:"v" required:"" help:"Version the existing tables correspond to (see go run ./cmd heads)."`
}

// Run records the baseline.
func (c *BaselineCmd) Run(app *App) error {
	ctx := context.Background()
	m, db, url, err := c.open(ctx, app)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := m.Baseline(ctx, c.Branch, c.Version); err != nil {
		return err
	}
	fmt.Fprintf(app.Stdout, "%s: baselined at %s in %s; later files apply normally\n", c.Branch, c.Version, url)
	return nil
}
