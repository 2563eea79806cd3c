package main

import (
	"context"
	"errors"
	"fmt"
)

// RolesCmd prints the SQL a database administrator runs once so that a
// migrator that may not create roles can apply with one PostgreSQL role per
// plugin.
type RolesCmd struct {
	Target
	Print bool `required:"" help:"Print the SQL (CREATE ROLE per enabled plugin, membership of the connected user) for the target database; run nothing."`
}

// Run prints the roles' SQL, or says there is nothing to do.
func (c *RolesCmd) Run(app *App) error {
	ctx := context.Background()
	m, db, url, err := c.open(ctx, app)
	if err != nil {
		return err
	}
	defer db.Close()
	script, can, err := m.RolesSQL(ctx)
	if err != nil {
		return err
	}
	if script == "" {
		fmt.Fprintf(app.Stdout, "-- nothing to do: every enabled plugin's role exists in %s and the connected user is a member\n", url)
		return nil
	}
	fmt.Fprint(app.Stdout, script)
	if !c.Print {
		return errors.New("use --print")
	}
	if can {
		fmt.Fprintln(app.Stderr, "the connected user may create roles itself: go run ./cmd apply does this on its own")
	}
	return nil
}
