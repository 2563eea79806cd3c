package main

import (
	"context"
	"fmt"

	"github.com/plugmig/plugmig/engine/compose"
)

// SchemaCmd prints the composed desired schema of a branch as DDL.
type SchemaCmd struct {
	Branch  string `short:"b" default:"core" help:"Branch to print: core, or a plugin name (core + the plugin + its dependencies)."`
	Dialect string `short:"d" default:"sqlite" enum:"sqlite,postgres,mysql" help:"SQL dialect of the DDL (${enum})."`
}

// Run prints the DDL, one statement per line, each ending in ";".
func (c *SchemaCmd) Run(app *App) error {
	ctx := context.Background()
	comp, err := app.Composer()
	if err != nil {
		return err
	}
	b, err := comp.Branch(c.Branch)
	if err != nil {
		return err
	}
	s, err := comp.Schema(ctx, b, c.Dialect)
	if err != nil {
		return err
	}
	stmts, err := compose.DDL(ctx, c.Dialect, s)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		fmt.Fprintf(app.Stdout, "%s;\n", st)
	}
	return nil
}
