package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/roles"
	"github.com/plugmig/plugmig/internal/dbdriver"
)

// RolesCmd prints the SQL a database administrator runs once so that a
// migrator that may not create roles can apply with one PostgreSQL role per
// plugin, or drops the plugin identities of databases that are gone.
type RolesCmd struct {
	Target
	Print        bool   `xor:"action" help:"Print the SQL (CREATE ROLE per enabled plugin, membership of the connected user) for the target database; run nothing."`
	DropOrphaned bool   `xor:"action" help:"Drop the plugin roles (PostgreSQL) or accounts (MySQL/MariaDB) on the target's server whose database no longer exists (they are server-wide, named after their database, and dropping a database leaves them), and what killed runs left there (scratch databases plugmig_dev_*, logins plugmig_dl_*) once their run is gone."`
	DryRun       bool   `name:"dry-run" help:"With --drop-orphaned: print what would be dropped; drop nothing."`
	Database     string `placeholder:"NAME" help:"With --drop-orphaned: only the identities of this (dropped) database; scratch leftovers are left alone."`
}

// Validate asks for one of the two actions.
func (c *RolesCmd) Validate() error {
	if !c.Print && !c.DropOrphaned {
		return errors.New("say what to do: --print (the SQL a DBA runs once) or --drop-orphaned (drop the identities of dropped databases)")
	}
	if !c.DropOrphaned && (c.DryRun || c.Database != "") {
		return errors.New("--dry-run and --database work with --drop-orphaned")
	}
	return nil
}

// Run prints the roles' SQL, or says there is nothing to do; or drops the
// orphaned identities.
func (c *RolesCmd) Run(app *App) error {
	ctx := context.Background()
	if t, err := dbdriver.ParseURL(c.URL); err == nil && c.DropOrphaned {
		// It lists what killed runs left itself: the sweep every command
		// starts would drop it behind a --dry-run's back, or before the
		// listing sees it.
		devdb.SkipSweep(t.Dialect, c.URL)
	}
	m, db, url, err := c.open(ctx, app)
	if err != nil {
		return err
	}
	defer db.Close()
	if c.DropOrphaned {
		return c.dropOrphaned(ctx, app, db, url)
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

// dropOrphaned lists, then (unless --dry-run) drops, the plugin identities
// of dropped databases and the leftovers of killed runs.
func (c *RolesCmd) dropOrphaned(ctx context.Context, app *App, db *sql.DB, url string) error {
	t, err := dbdriver.ParseURL(c.URL)
	if err != nil || t.Dialect == "sqlite" {
		return errors.New("--drop-orphaned works on a PostgreSQL or MySQL/MariaDB server: pass --url of any database on it")
	}
	tag := ""
	if c.Database != "" {
		if err := c.refuseExisting(ctx, db, t.Dialect); err != nil {
			return err
		}
		tag = roles.DatabaseTag(c.Database)
	}
	stmts, err := roles.Orphans(ctx, db, t.Dialect, tag)
	if err != nil {
		return fmt.Errorf("list the plugin identities on the server of %s: %w", url, err)
	}
	var (
		left   []devdb.Leftover
		recent []devdb.Unjudged
	)
	if c.Database == "" {
		if left, err = devdb.Abandoned(ctx, t.Dialect, db); err != nil {
			return fmt.Errorf("list what killed runs left on the server of %s: %w", url, err)
		}
		if recent, err = devdb.TooRecent(ctx, t.Dialect, db); err != nil {
			return fmt.Errorf("list what runs left on the server of %s: %w", url, err)
		}
	}
	defer printRecent(app, recent)
	// A scratch login whose database is gone has its plugin identities
	// listed with it; they are orphans too: list each once.
	for _, l := range left {
		stmts = slices.DeleteFunc(stmts, func(s string) bool { return slices.Contains(l.Statements, s) })
	}
	if len(stmts) == 0 && len(left) == 0 && len(recent) > 0 {
		fmt.Fprintf(app.Stdout, "-- nothing to drop now: every plugmig role or account on the server of %s belongs to a database that exists, and no killed run's leftovers are old enough to judge\n", url)
		return nil
	}
	if len(stmts) == 0 && len(left) == 0 {
		fmt.Fprintf(app.Stdout, "-- no orphaned plugin identities: every plugmig role or account on the server of %s belongs to a database that exists, and no killed run left anything\n", url)
		return nil
	}
	if c.DryRun {
		return printOrphans(app, stmts, left)
	}
	var errs []error
	denied, inUse := false, 0
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s, err))
			denied = denied || permissionDenied(err)
			continue
		}
		fmt.Fprintf(app.Stdout, "%s;\n", s)
	}
	for _, l := range left {
		if err := l.Drop(ctx, db); errors.Is(err, devdb.ErrInUse) {
			// A run is starting or ending on it: not a failure, and not
			// abandoned any more; a later command judges it again.
			fmt.Fprintf(app.Stdout, "-- left %s %s: %v; a later command on this server drops it once its run is gone\n", l.Kind, l.Name, err)
			inUse++
			continue
		} else if err != nil {
			errs = append(errs, err)
			denied = denied || permissionDenied(err)
			continue
		}
		fmt.Fprintf(app.Stdout, "-- %s %s of a killed run, and its identities:\n", l.Kind, l.Name)
		for _, s := range l.Statements {
			fmt.Fprintf(app.Stdout, "%s;\n", s)
		}
	}
	total := len(stmts) + len(left)
	fmt.Fprintf(app.Stdout, "-- dropped %d of %d: %s (the statements above ran)\n", total-len(errs)-inUse, total, orphanTally(stmts, left))
	switch {
	case len(errs) > 0 && denied:
		return fmt.Errorf("%w\n(the connected user needs CREATEROLE on PostgreSQL, CREATE USER on MySQL; what succeeded is printed above)", errors.Join(errs...))
	case len(errs) > 0:
		return fmt.Errorf("%w\n(what succeeded is printed above; run roles --drop-orphaned again once the cause is fixed: it lists only what is left)", errors.Join(errs...))
	}
	return nil
}

// permissionDenied reports a refusal for lack of a privilege: PostgreSQL's
// SQLSTATE 42501, MySQL's 1227 (needs a privilege), 1044 and 1045 (access
// denied).
func permissionDenied(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "42501"
	}
	var my *mysqldrv.MySQLError
	return errors.As(err, &my) && (my.Number == 1227 || my.Number == 1044 || my.Number == 1045)
}

// refuseExisting refuses --database of a database that exists: its
// identities are in use, not orphaned.
func (c *RolesCmd) refuseExisting(ctx context.Context, db *sql.DB, dialect string) error {
	q := "SELECT count(*) FROM pg_database WHERE datname = $1"
	if dialect == "mysql" {
		q = "SELECT count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?"
	}
	var n int
	if err := db.QueryRowContext(ctx, q, c.Database).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("database %q exists: its plugin identities are in use, not orphaned; drop the database first (or name one that is gone)", c.Database)
	}
	return nil
}

// printOrphans prints what --drop-orphaned would drop.
func printOrphans(app *App, stmts []string, left []devdb.Leftover) error {
	for _, s := range stmts {
		fmt.Fprintf(app.Stdout, "%s;\n", s)
	}
	for _, l := range left {
		fmt.Fprintf(app.Stdout, "-- %s %s of a killed run (its creator is gone), and its plugin identities:\n", l.Kind, l.Name)
		for _, s := range l.Statements {
			fmt.Fprintf(app.Stdout, "%s;\n", s)
		}
	}
	fmt.Fprintf(app.Stdout, "-- dry run: would drop %d: %s; nothing was dropped\n", len(stmts)+len(left), orphanTally(stmts, left))
	return nil
}

// orphanTally is what --drop-orphaned found, in the words both its dry run
// and its run print.
func orphanTally(stmts []string, left []devdb.Leftover) string {
	ids, runs := "identities", "leftovers"
	if len(stmts) == 1 {
		ids = "identity"
	}
	if len(left) == 1 {
		runs = "leftover"
	}
	return fmt.Sprintf("%d orphaned plugin %s and %d killed run %s", len(stmts), ids, len(left), runs)
}

// printRecent names the scratch databases too young to judge: a killed
// run may have left them, or a run is still using them.
func printRecent(app *App, recent []devdb.Unjudged) {
	for _, u := range recent {
		what := "scratch database " + u.Name
		if u.Login != "" {
			what += " and its login " + u.Login
		}
		fmt.Fprintf(app.Stdout, "-- left alone: %s, created less than %s ago, too recent to judge (a run may still be using it); it can be judged from %s: run roles --drop-orphaned again then\n", what, devdb.Grace, u.Judged.Format(time.TimeOnly))
	}
}
