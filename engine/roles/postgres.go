package roles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Querier is a pool, a connection or a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ErrNoCreateRole is wrapped by PGSetup's refusal when roles are missing
// and the connected user may not create them.
var ErrNoCreateRole = errors.New("the migrator may not create roles")

// PGSetupSQL returns the statements that create the plugins' missing roles
// in the connected database and make the connected user (the migrator) a
// member of each; none when everything is in place. canRun reports whether
// the connected user may run them itself (superuser or CREATEROLE).
func PGSetupSQL(ctx context.Context, q Querier, plugins []string) (stmts []string, canRun bool, err error) {
	var db, me, schema string
	var grantable bool
	if err := q.QueryRowContext(ctx, `SELECT current_database(), current_user, current_schema(),
		(SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user),
		has_schema_privilege(current_user, current_schema(), 'CREATE WITH GRANT OPTION') AND has_schema_privilege(current_user, current_schema(), 'USAGE WITH GRANT OPTION')`).Scan(&db, &me, &schema, &canRun, &grantable); err != nil {
		return nil, false, fmt.Errorf("read the current role: %w", err)
	}
	names := make([]string, len(plugins))
	for i, p := range plugins {
		names[i] = Name(db, p)
	}
	rows, err := q.QueryContext(ctx, `SELECT r.name,
		EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name),
		EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = r.name AND u.rolname = current_user),
		EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name AND has_schema_privilege(oid, current_schema(), 'CREATE') AND has_schema_privilege(oid, current_schema(), 'USAGE'))
		FROM unnest($1::text[]) WITH ORDINALITY AS r(name, n) ORDER BY r.n`, names)
	if err != nil {
		return nil, false, fmt.Errorf("read the plugin roles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var role string
		var exists, member, onSchema bool
		if err := rows.Scan(&role, &exists, &member, &onSchema); err != nil {
			return nil, false, err
		}
		if !exists {
			stmts = append(stmts, "CREATE ROLE "+QuotePG(role)+" NOLOGIN")
		}
		if !member {
			stmts = append(stmts, "GRANT "+QuotePG(role)+" TO "+QuotePG(me))
		}
		if !onSchema {
			stmts = append(stmts, "GRANT USAGE, CREATE ON SCHEMA "+QuotePG(schema)+" TO "+QuotePG(role))
			canRun = canRun && grantable
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	return stmts, canRun, nil
}

// PGReconcile brings a plugin role's privileges in the current schema to
// what the plugin may do: USAGE and CREATE on the schema; SELECT and
// REFERENCES on core's and its dependencies' tables; ownership of its own
// relations, functions and types (moved from whoever owns them). It returns
// the objects whose ownership it moved. owner maps a table to its branch.
func PGReconcile(ctx context.Context, q Querier, plugin string, deps []string, owner func(string) string) (moved []string, err error) {
	var db, schema string
	if err := q.QueryRowContext(ctx, `SELECT current_database(), current_schema()`).Scan(&db, &schema); err != nil {
		return nil, err
	}
	role := Name(db, plugin)
	var stmts []string
	rows, err := q.QueryContext(ctx, `
SELECT c.relname, c.relkind::text, c.relowner = (SELECT oid FROM pg_roles WHERE rolname = $1),
  CASE WHEN c.relkind <> 'S' THEN has_table_privilege($1, c.oid, 'SELECT') AND has_table_privilege($1, c.oid, 'REFERENCES') ELSE true END
FROM pg_class c
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
UNION ALL
SELECT p.oid::regprocedure::text, 'function', p.proowner = (SELECT oid FROM pg_roles WHERE rolname = $1), true
FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace AND p.proname LIKE $2
UNION ALL
SELECT format('%I', t.typname), 'type', t.typowner = (SELECT oid FROM pg_roles WHERE rolname = $1), true
FROM pg_type t WHERE t.typnamespace = current_schema()::regnamespace AND t.typtype IN ('e', 'd', 'r') AND t.typname LIKE $2
UNION ALL
SELECT current_schema()::text, 'schema', has_schema_privilege($1, current_schema(), 'USAGE') AND has_schema_privilege($1, current_schema(), 'CREATE'), true`,
		role, strings.ReplaceAll(plugin, "_", `\_`)+`\_\_%`)
	if err != nil {
		return nil, fmt.Errorf("role %s: read the catalog: %w", role, err)
	}
	var grant []string
	for rows.Next() {
		var name, kind string
		var owns, reads bool
		if err := rows.Scan(&name, &kind, &owns, &reads); err != nil {
			rows.Close()
			return nil, err
		}
		if kind == "schema" {
			if !owns {
				stmts = append([]string{"GRANT USAGE, CREATE ON SCHEMA " + QuotePG(schema) + " TO " + QuotePG(role)}, stmts...)
			}
			continue
		}
		if kind == "function" || kind == "type" {
			if !owns {
				stmts = append(stmts, "ALTER "+strings.ToUpper(kind)+" "+name+" OWNER TO "+QuotePG(role))
				moved = append(moved, name)
			}
			continue
		}
		switch o := owner(name); {
		case o == plugin && !owns:
			stmts = append(stmts, "ALTER "+pgKind(kind)+" "+QuotePG(name)+" OWNER TO "+QuotePG(role))
			moved = append(moved, name)
		case (o == "core" || contains(deps, o)) && !reads:
			grant = append(grant, QuotePG(name))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(grant) > 0 {
		stmts = append(stmts, "GRANT SELECT, REFERENCES ON TABLE "+strings.Join(grant, ", ")+" TO "+QuotePG(role))
	}
	if len(stmts) > 0 {
		// One round trip (no arguments: the simple protocol runs them all).
		if _, err := q.ExecContext(ctx, strings.Join(stmts, ";\n")); err != nil {
			return nil, fmt.Errorf("role %s: %s: %w", role, strings.Join(stmts, "; "), err)
		}
	}
	return moved, nil
}

func pgKind(relkind string) string {
	switch relkind {
	case "v":
		return "VIEW"
	case "m":
		return "MATERIALIZED VIEW"
	case "S":
		return "SEQUENCE"
	case "f":
		return "FOREIGN TABLE"
	}
	return "TABLE"
}

// PGDropAll drops every plugin role of a database (after the database
// itself was dropped, or its objects reassigned). For tests and scratch
// databases.
func PGDropAll(ctx context.Context, admin Querier, database string) error {
	rows, err := admin.QueryContext(ctx, `SELECT rolname FROM pg_roles WHERE rolname LIKE 'plugmig\_%\_' || $1`, DatabaseTag(database))
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, n)
	}
	rows.Close()
	var errs []error
	for _, n := range names {
		if _, err := admin.ExecContext(ctx, "DROP ROLE IF EXISTS "+QuotePG(n)); err != nil {
			errs = append(errs, fmt.Errorf("drop role %s: %w", n, err))
		}
	}
	return errors.Join(errs...)
}

// PGEnter switches the transaction to the plugin's role until it ends
// (SET LOCAL ROLE); PGLeave switches back and fails if a statement of the
// file changed the role itself.
func PGEnter(ctx context.Context, q Querier, database, plugin string) error {
	_, err := q.ExecContext(ctx, "SET LOCAL ROLE "+QuotePG(Name(database, plugin)))
	return err
}

// PGLeave returns to the session's own role after a plugin file. It fails
// when the role in force is not the plugin's any more: the file escaped it.
func PGLeave(ctx context.Context, q Querier, database, plugin string) error {
	// One round trip: the check and the reset as one simple-protocol query.
	want := Name(database, plugin)
	_, err := q.ExecContext(ctx, `DO $plugmig$ BEGIN IF current_user <> `+quotePGString(want)+` THEN RAISE EXCEPTION 'plugmig: role %', current_user; END IF; END $plugmig$; RESET ROLE`)
	if err != nil && strings.Contains(err.Error(), "plugmig: role ") {
		cur := err.Error()[strings.Index(err.Error(), "plugmig: role ")+len("plugmig: role "):]
		if i := strings.IndexAny(cur, " ("); i >= 0 {
			cur = cur[:i]
		}
		return fmt.Errorf("the file changed the role it runs as (now %q, expected %q): a plugin file never sets roles", cur, want)
	}
	return err
}

// PGDBAScript is the SQL a database administrator runs once so that a
// migrator that may not create roles can apply: the statements stmts
// (from PGSetupSQL) wrapped in a comment naming the database.
func PGDBAScript(database string, stmts []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- plugmig: one role per plugin in database %s (run once as a role with CREATEROLE)\n", database)
	for _, s := range stmts {
		b.WriteString(s + ";\n")
	}
	return b.String()
}
