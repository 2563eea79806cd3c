package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/plugmig/plugmig/engine/roles"
	"github.com/plugmig/plugmig/internal/dbdriver"
)

// RolesCmd prints the SQL a database administrator runs once so that a
// migrator that may not create roles can apply with one PostgreSQL role per
// plugin, or drops the plugin identities of databases that are gone.
type RolesCmd struct {
	Target
	Print        bool `xor:"action" help:"Print the SQL (CREATE ROLE per enabled plugin, membership of the connected user) for the target database; run nothing."`
	DropOrphaned bool `xor:"action" help:"Drop the plugin roles (PostgreSQL) or accounts (MySQL/MariaDB) on the target's server whose database no longer exists: they are server-wide, named after their database, and dropping a database leaves them."`
}

// Validate asks for one of the two actions.
func (c *RolesCmd) Validate() error {
	if !c.Print && !c.DropOrphaned {
		return errors.New("say what to do: --print (the SQL a DBA runs once) or --drop-orphaned (drop the identities of dropped databases)")
	}
	return nil
}

// Run prints the roles' SQL, or says there is nothing to do; or drops the
// orphaned identities.
func (c *RolesCmd) Run(app *App) error {
	ctx := context.Background()
	m, db, url, err := c.open(ctx, app)
	if err != nil {
		return err
	}
	defer db.Close()
	if c.DropOrphaned {
		t, err := dbdriver.ParseURL(c.URL)
		if err != nil || t.Dialect == "sqlite" {
			return errors.New("--drop-orphaned works on a PostgreSQL or MySQL/MariaDB server: pass --url of any database on it")
		}
		stmts, err := roles.Orphans(ctx, db, t.Dialect)
		if err != nil {
			return fmt.Errorf("list the plugin identities on the server of %s: %w", url, err)
		}
		if len(stmts) == 0 {
			fmt.Fprintf(app.Stdout, "-- no orphaned plugin identities: every plugmig role or account on the server of %s belongs to a database that exists\n", url)
			return nil
		}
		var errs []error
		for _, s := range stmts {
			if _, err := db.ExecContext(ctx, s); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", s, err))
				continue
			}
			fmt.Fprintf(app.Stdout, "%s;\n", s)
		}
		fmt.Fprintf(app.Stdout, "-- dropped %d of %d orphaned plugin identities (the statements above ran)\n", len(stmts)-len(errs), len(stmts))
		if len(errs) > 0 {
			return fmt.Errorf("%w\n(the connected user needs CREATEROLE on PostgreSQL, CREATE USER on MySQL; what succeeded is printed above)", errors.Join(errs...))
		}
		return nil
	}
	script, can, err := m.RolesSQL(ctx)
	if err != nil {
		return err
	}
	if script == "" {
		fmt.Fprintf(app.Stdout, "-- nothing to do: every enabled plugin's role exists in %s and the connected user is a member\n", url)
		return nil
	}
	fmt.Fprint(app.Stdout, script)
	if can {
		fmt.Fprintln(app.Stderr, "the connected user may create roles itself: go run ./cmd apply does this on its own")
	}
	return nil
}
