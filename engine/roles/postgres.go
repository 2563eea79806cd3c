package roles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/plugmig/plugmig/engine/internal/sqlq"
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
// (LOGIN, with no password until a run sets one) and make the connected
// user (the migrator) a member of each; none when everything is in place. canRun reports whether
// the connected user may run them itself (superuser or CREATEROLE).
func PGSetupSQL(ctx context.Context, q Querier, plugins []string) (stmts []string, canRun bool, err error) {
	var db, me, schema string
	var grantable bool
	if err := q.QueryRowContext(ctx, `SELECT current_database(), current_user, current_schema(),
		(SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user),
		has_schema_privilege(current_user, current_schema(), 'CREATE WITH GRANT OPTION') AND has_schema_privilege(current_user, current_schema(), 'USAGE WITH GRANT OPTION')`).Scan(&db, &me, &schema, &canRun, &grantable); err != nil {
		return nil, false, fmt.Errorf("read the current role: %w", err)
	}
	names := Names(db, plugins)
	rows, err := q.QueryContext(ctx, `SELECT r.name,
		EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name),
		EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = r.name AND u.rolname = current_user),
		EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name AND has_schema_privilege(oid, current_schema(), 'CREATE') AND has_schema_privilege(oid, current_schema(), 'USAGE')),
		coalesce((SELECT rolcanlogin FROM pg_roles WHERE rolname = r.name), false),
		coalesce((SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls OR rolconnlimit <> 1 FROM pg_roles WHERE rolname = r.name), false)
		FROM unnest($1::text[]) WITH ORDINALITY AS r(name, n) ORDER BY r.n`, names)
	if err != nil {
		return nil, false, fmt.Errorf("read the plugin roles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var role string
		var exists, member, onSchema, login, attrs bool
		if err := rows.Scan(&role, &exists, &member, &onSchema, &login, &attrs); err != nil {
			return nil, false, err
		}
		if attrs {
			// Given by hand (or a role of an earlier version, without the
			// connection limit): a plugin's role has no attribute that
			// reaches beyond its grants. Here, before any session of the
			// run logs in (two updates of one role's row at once would
			// fail).
			stmts = append(stmts, "ALTER ROLE "+QuotePG(role)+" NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 1")
		}
		switch {
		case !exists:
			// LOGIN without a password: apply sets one for each run
			// (PGLogin) and removes it afterwards. One session at a time,
			// apply's: a file may give its own role a password (a role may
			// change its own), and no one else may log in with it while
			// the branch's session is open; apply removes the password
			// before it closes that session.
			stmts = append(stmts, "CREATE ROLE "+QuotePG(role)+" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 1")
		case !login:
			stmts = append(stmts, "ALTER ROLE "+QuotePG(role)+" LOGIN") // a role of an earlier version
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

// HistoryTable is the table apply records revisions in. A plugin's role
// may read and write its own branch's rows of it and no others (row-level
// security), so that a plugin file and its revision commit together in the
// plugin's own session.
const HistoryTable = "plugmig_history"

// PGReconcile brings a plugin role's privileges in the current schema to
// exactly what the plugin may do: USAGE and CREATE on the schema; SELECT
// and REFERENCES on core's and its dependencies' tables and nothing more
// on them; no privilege on any other relation (other plugins' tables,
// sequences it does not own); its own branch's rows of the history table
// (row-level security); ownership of its own relations, functions and
// types (moved from whoever owns them); no membership that would give it
// more (role attributes are PGSetupSQL's). Privileges granted by hand are
// revoked. It returns the objects whose ownership it moved. owner maps a
// table to its branch.
func PGReconcile(ctx context.Context, q Querier, plugin string, deps []string, owner func(string) string) (moved []string, err error) {
	all, err := PGReconcileAll(ctx, q, []string{plugin}, map[string][]string{plugin: deps}, owner)
	return all[plugin], err
}

// PGReconcileAll is PGReconcile for several plugins in two round trips:
// one catalog read and one batch of statements. deps maps each plugin to
// the plugins it depends on; moved maps a plugin to the objects whose
// ownership moved.
func PGReconcileAll(ctx context.Context, q Querier, plugins []string, deps map[string][]string, owner func(string) string) (moved map[string][]string, err error) {
	var db, schema string
	if err := q.QueryRowContext(ctx, `SELECT current_database(), current_schema()`).Scan(&db, &schema); err != nil {
		return nil, err
	}
	roleNames, patterns := Names(db, plugins), make([]string, len(plugins))
	for i, p := range plugins {
		patterns[i] = strings.ReplaceAll(p, "_", `\_`) + `\_\_%`
	}
	rows, err := q.QueryContext(ctx, `
WITH me AS (SELECT x.plugin, x.role, x.pattern, r.oid FROM unnest($1::text[], $2::text[], $3::text[]) AS x(plugin, role, pattern) LEFT JOIN pg_roles r ON r.rolname = x.role)
SELECT me.plugin, c.relname, c.relkind::text, c.relowner = me.oid,
  coalesce((SELECT string_agg(a.privilege_type, ',' ORDER BY a.privilege_type) FROM aclexplode(c.relacl) a WHERE a.grantee = me.oid), '')
    || CASE WHEN EXISTS (SELECT 1 FROM pg_attribute att, aclexplode(att.attacl) a WHERE att.attrelid = c.oid AND att.attacl IS NOT NULL AND a.grantee = me.oid) THEN ',COLUMNS' ELSE '' END,
  c.relrowsecurity AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'plugmig_read'),
  coalesce((SELECT CASE WHEN pg_get_expr(p.polqual, p.polrelid) ILIKE '%session_user%' THEN 'current' ELSE 'old' END FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = me.role), ''),
  c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')),
  pg_get_userbyid(c.relowner)
FROM pg_class c, me
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
UNION ALL
SELECT me.plugin, p.oid::regprocedure::text, 'function', p.proowner = me.oid, '', false, '', false, pg_get_userbyid(p.proowner)
FROM pg_proc p, me WHERE p.pronamespace = current_schema()::regnamespace AND p.proname LIKE me.pattern
UNION ALL
SELECT me.plugin, format('%I', t.typname), 'type', t.typowner = me.oid, '', false, '', false, pg_get_userbyid(t.typowner)
FROM pg_type t, me WHERE t.typnamespace = current_schema()::regnamespace AND t.typtype IN ('e', 'd', 'r') AND t.typname LIKE me.pattern
UNION ALL
SELECT me.plugin, current_schema()::text, 'schema', has_schema_privilege(me.role, current_schema(), 'USAGE') AND has_schema_privilege(me.role, current_schema(), 'CREATE'), '', false, '', false, ''
FROM me
UNION ALL
SELECT me.plugin, g.rolname, 'member of', false, '', false, '', false, '' FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid, me WHERE m.member = me.oid
`,
		plugins, roleNames, patterns)
	if err != nil {
		return nil, fmt.Errorf("plugin roles: read the catalog: %w", err)
	}
	stmts, grant := map[string][]string{}, map[string][]string{}
	enableRLS := false // the history table's row-level security, once for all roles
	moved = map[string][]string{}
	for rows.Next() {
		var plugin, name, kind, privs, policy, ownedBy string
		var owns, rls, serial bool
		if err := rows.Scan(&plugin, &name, &kind, &owns, &privs, &rls, &policy, &serial, &ownedBy); err != nil {
			rows.Close()
			return nil, err
		}
		r := QuotePG(Name(db, plugin))
		switch kind {
		case "schema":
			if !owns {
				stmts[plugin] = append([]string{"GRANT USAGE, CREATE ON SCHEMA " + QuotePG(schema) + " TO " + r}, stmts[plugin]...)
			}
			continue
		case "member of":
			stmts[plugin] = append(stmts[plugin], "REVOKE "+QuotePG(name)+" FROM "+r)
			continue
		case "function", "type":
			if !owns {
				stmts[plugin] = append(stmts[plugin], "ALTER "+strings.ToUpper(kind)+" "+name+" OWNER TO "+r)
				moved[plugin] = append(moved[plugin], name)
			}
			continue
		}
		o := owner(name)
		want := "" // the privileges the role holds on the relation, sorted
		switch {
		case serial && (o == plugin || owns):
			continue // a serial or identity column's sequence: owned with its table
		case o == plugin:
			if !owns {
				if other := otherPluginRole(db, ownedBy, Name(db, plugin)); other {
					// Never from another plugin: a name both claim would
					// hand one plugin the other's object.
					rows.Close()
					return nil, fmt.Errorf("plugin roles: %s %s belongs to plugin %q but is owned by %s, another plugin's role: nothing was moved; check the plugins' names and LegacyNames, then give it to its plugin (ALTER ... OWNER TO %s)", pgKind(kind), name, plugin, ownedBy, r)
				}
				stmts[plugin] = append(stmts[plugin], "ALTER "+pgKind(kind)+" "+QuotePG(name)+" OWNER TO "+r)
				moved[plugin] = append(moved[plugin], name)
			}
			continue
		case owns:
			// A relation the plugin does not own, owned by its role (given
			// away by hand): back to the migrator.
			stmts[plugin] = append(stmts[plugin], "ALTER "+pgKind(kind)+" "+QuotePG(name)+" OWNER TO CURRENT_USER")
			moved[plugin] = append(moved[plugin], name)
		}
		switch {
		case name == HistoryTable:
			want = "DELETE,INSERT,SELECT,UPDATE"
			enableRLS = enableRLS || !rls
			if policy != "current" {
				// Its own branch's rows, and only on a session logged in as
				// the role (apply's): a routine of the plugin's runs as the
				// role in the application's session too, later, and must not
				// rewrite the plugin's history there.
				if policy == "old" {
					stmts[plugin] = append(stmts[plugin], "DROP POLICY "+r+" ON "+QuotePG(name))
				}
				own := "branch = " + quotePGString(plugin) + " AND session_user = " + quotePGString(Name(db, plugin))
				stmts[plugin] = append(stmts[plugin], "CREATE POLICY "+r+" ON "+QuotePG(name)+" TO "+r+" USING ("+own+") WITH CHECK ("+own+")")
			}
		case (o == "core" || contains(deps[plugin], o)) && kind != "S":
			want = "REFERENCES,SELECT"
		}
		if privs == want {
			continue
		}
		if privs != "" {
			stmts[plugin] = append(stmts[plugin], "REVOKE ALL ON TABLE "+QuotePG(name)+" FROM "+r) // granted by hand, or no longer a dependency
		}
		switch want {
		case "REFERENCES,SELECT":
			grant[plugin] = append(grant[plugin], QuotePG(name))
		case "":
		default:
			stmts[plugin] = append(stmts[plugin], "GRANT "+strings.ReplaceAll(want, ",", ", ")+" ON TABLE "+QuotePG(name)+" TO "+r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var all []string
	if enableRLS {
		// Everyone who may read the history reads all of it (status run by
		// a read-only user); writes are per branch (each role's policy).
		h := QuotePG(HistoryTable)
		all = append(all, "DROP POLICY IF EXISTS plugmig_read ON "+h, "CREATE POLICY plugmig_read ON "+h+" FOR SELECT USING (true)", "ALTER TABLE "+h+" ENABLE ROW LEVEL SECURITY")
	}
	// Roles granted the same tables share one GRANT: each table's
	// privileges are rewritten once, not once per role.
	var tableLists []string
	grantees := map[string][]string{}
	for _, p := range plugins {
		all = append(all, stmts[p]...)
		if len(grant[p]) > 0 {
			tables := strings.Join(grant[p], ", ")
			if grantees[tables] == nil {
				tableLists = append(tableLists, tables)
			}
			grantees[tables] = append(grantees[tables], QuotePG(Name(db, p)))
		}
	}
	for _, tables := range tableLists {
		all = append(all, "GRANT SELECT, REFERENCES ON TABLE "+tables+" TO "+strings.Join(grantees[tables], ", "))
	}
	if len(all) > 0 {
		// One round trip (no arguments: the simple protocol runs them all).
		if _, err := q.ExecContext(ctx, strings.Join(all, ";\n")); err != nil {
			return nil, fmt.Errorf("plugin roles: %s: %w", strings.Join(all, "; "), err)
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
	return PGDropTag(ctx, admin, DatabaseTag(database))
}

// PGDropTag drops every plugin role whose name ends in the database tag.
func PGDropTag(ctx context.Context, admin Querier, tag string) error {
	names, err := sqlq.Strings(ctx, admin, `SELECT rolname FROM pg_roles WHERE rolname LIKE 'plugmig\_%\_' || $1`, tag)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range names {
		if _, err := admin.ExecContext(ctx, "DROP ROLE IF EXISTS "+QuotePG(n)); err != nil {
			errs = append(errs, fmt.Errorf("drop role %s: %w", n, err))
		}
	}
	return errors.Join(errs...)
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

// PGDropSQL returns the statements that remove a plugin's role from the
// connected database once its tables are dropped: whatever it still owns
// and every privilege and history policy it holds, then the role itself;
// none when there is no such role. canDrop reports whether the connected
// user may drop the role itself (superuser or CREATEROLE).
func PGDropSQL(ctx context.Context, q Querier, plugin string) (stmts []string, canDrop bool, err error) {
	var db string
	var exists, history bool
	if err := q.QueryRowContext(ctx, `SELECT current_database(),
		(SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user),
		to_regclass($1) IS NOT NULL`, HistoryTable).Scan(&db, &canDrop, &history); err != nil {
		return nil, false, err
	}
	role := Name(db, plugin)
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, role).Scan(&exists); err != nil || !exists {
		return nil, canDrop, err
	}
	r := QuotePG(role)
	if history {
		stmts = append(stmts, "DROP POLICY IF EXISTS "+r+" ON "+QuotePG(HistoryTable))
	}
	stmts = append(stmts, "DROP OWNED BY "+r, "DROP ROLE "+r)
	return stmts, canDrop, nil
}

// otherPluginRole reports whether role is a plugin's role of database db
// (plugmig_<plugin>_<tag>) other than self.
func otherPluginRole(db, role, self string) bool {
	return role != self && strings.HasPrefix(role, "plugmig_") && strings.HasSuffix(role, "_"+DatabaseTag(db)) && !strings.HasPrefix(role, "plugmig_dl_")
}
