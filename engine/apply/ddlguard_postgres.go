package apply

import (
	"context"
	"fmt"
)

// DDLGuard is the name of the PostgreSQL event trigger (and of its
// function) that refuses a schema change made by a plugin's role outside a
// session logged in as that role.
//
// A plugin's functions run as its role (apply makes them SECURITY DEFINER),
// so one the application calls later — a default, a trigger, a plain
// SELECT — could alter, drop or create the plugin's objects, or grant them
// away, outside any migration, any check and any history. Apply runs a
// plugin's files on a session logged in as its role (session_user is the
// role); the application's session is its own user's, and a plugin's
// function there has current_user = the role and session_user = the
// application's user. The event trigger refuses DDL in exactly that case:
// the database decides from who is running, not from the function's text.
//
// Creating an event trigger needs a superuser. Without one, apply says so
// once and runs without it (the rest of the guard is unchanged).
const DDLGuard = "plugmig_plugin_ddl_guard"

// pgDDLGuardSQL creates the guard. Plugin roles are named
// plugmig_<plugin>_<8 hex digits> (roles.Name); lint's scratch logins
// (plugmig_dl_...) log in as themselves.
var pgDDLGuardSQL = []string{
	`CREATE OR REPLACE FUNCTION ` + DDLGuard + `() RETURNS event_trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $guard$
BEGIN
  IF current_user <> session_user AND current_user::text ~ '^plugmig_[a-z][a-z0-9_]*_[0-9a-f]{8}$' THEN
    RAISE EXCEPTION 'plugmig: % by the plugin role %, outside apply: a plugin''s function changes the schema only in a migration file (apply runs those logged in as the role)', tg_tag, current_user
      USING ERRCODE = 'insufficient_privilege';
  END IF;
END
$guard$`,
	`REVOKE ALL ON FUNCTION ` + DDLGuard + `() FROM PUBLIC`,
	`CREATE EVENT TRIGGER ` + DDLGuard + ` ON ddl_command_start EXECUTE FUNCTION ` + DDLGuard + `()`,
}

// ensureDDLGuard installs DDLGuard in the target database when it is
// missing and the migrator may (a superuser); otherwise it says once what
// the guard would add and how a superuser installs it.
func (m *Migrator) ensureDDLGuard(ctx context.Context) error {
	missing, super, err := m.ddlGuardSQL(ctx)
	if err != nil || len(missing) == 0 {
		return err
	}
	if !super {
		fmt.Fprintf(m.progress, "note: a plugin's function the application calls could change the plugin's own tables outside apply; a superuser closes that with an event trigger, once per database: go run ./cmd roles --print shows it\n")
		return nil
	}
	tx, err := m.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, s := range pgDDLGuardSQL {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("create the event trigger %s: %w", DDLGuard, err)
		}
	}
	return tx.Commit()
}

// ddlGuardSQL returns the statements a superuser runs to install DDLGuard
// (none when it is installed), for the DBA script, and whether the
// connected user is a superuser.
func (m *Migrator) ddlGuardSQL(ctx context.Context) (stmts []string, super bool, err error) {
	var exists bool
	if err := m.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = $1), (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)`, DDLGuard).Scan(&exists, &super); err != nil {
		return nil, false, fmt.Errorf("read the event triggers: %w", err)
	}
	if exists {
		return nil, super, nil
	}
	return append([]string{"-- as a superuser: the event trigger that keeps plugins' functions from changing the schema outside apply"}, pgDDLGuardSQL...), super, nil
}
