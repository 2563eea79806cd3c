package lint

import (
	"context"
	"strings"
	"sync"
)

// postgresProbe reads the catalog of the current schema — and the
// plugin sessions' temporary relations (lint's probe runs on another
// session than the plugin's), which come first in the search path: a
// temporary plugmig_history would take the revision row apply writes
// after the file in the same session — and records writes
// with statement-level triggers, which fire even when no row changes (an
// UPDATE of an empty table), for data-modifying CTEs, upserts, TRUNCATE and
// functions a statement calls.
type postgresProbe struct{}

const pgObjectsTemplate = `
SELECT CASE WHEN c.relkind IN ('v', 'm') THEN 'view' WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END, c.relname, '',
  concat_ws('|', c.relkind, c.relfilenode, c.relacl::text, c.relrowsecurity, c.relforcerowsecurity, obj_description(c.oid, 'pg_class'), c.reloptions::text,
    (SELECT string_agg(concat_ws(':', a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attacl::text, col_description(c.oid, a.attnum), a.attidentity, a.attgenerated), ',' ORDER BY a.attnum)
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
    CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
    CASE WHEN c.relkind = 'S' THEN (SELECT concat_ws(':', s.last_value, s.start_value, s.increment_by, s.max_value, s.min_value, s.cycle) FROM pg_sequences s WHERE s.schemaname = current_schema() AND s.sequencename = c.relname) END)
FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND {{T: c.oid = ANY (ARRAY(SELECT oid FROM pg_class WHERE age(xmin) <= $A UNION ALL SELECT adrelid FROM pg_attrdef WHERE age(xmin) <= $A UNION ALL SELECT ev_class FROM pg_rewrite WHERE age(xmin) <= $A
    UNION ALL SELECT attrelid FROM pg_attribute WHERE attnum > 0 AND age(xmin) <= $A))}}
UNION ALL
SELECT 'index', i.relname, t.relname, pg_get_indexdef(i.oid) || coalesce(obj_description(i.oid, 'pg_class'), '')
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid WHERE t.relnamespace = current_schema()::regnamespace AND {{T: t.oid = ANY (ARRAY(SELECT x2.indrelid FROM pg_index x2 WHERE x2.indexrelid = ANY (ARRAY(SELECT oid FROM pg_class WHERE age(xmin) <= $A AND relkind IN ('i', 'I') UNION ALL SELECT indexrelid FROM pg_index WHERE age(xmin) <= $A))))
    AND i.oid = ANY (ARRAY(SELECT oid FROM pg_class WHERE age(xmin) <= $A AND relkind IN ('i', 'I') UNION ALL SELECT indexrelid FROM pg_index WHERE age(xmin) <= $A))}}
UNION ALL
SELECT 'constraint', con.conname, t.relname, pg_get_constraintdef(con.oid) || coalesce(obj_description(con.oid, 'pg_constraint'), '')
FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid WHERE t.relnamespace = current_schema()::regnamespace AND {{T: t.oid = ANY (ARRAY(SELECT conrelid FROM pg_constraint WHERE age(xmin) <= $A)) AND age(con.xmin) <= $A}}
UNION ALL
SELECT 'trigger', tg.tgname, t.relname, pg_get_triggerdef(tg.oid) || tg.tgenabled::text
FROM pg_trigger tg JOIN pg_class t ON t.oid = tg.tgrelid WHERE NOT tg.tgisinternal AND t.relnamespace = current_schema()::regnamespace AND {{T: t.oid = ANY (ARRAY(SELECT tgrelid FROM pg_trigger WHERE age(xmin) <= $A)) AND age(tg.xmin) <= $A}}
UNION ALL
SELECT 'policy', p.polname, t.relname, concat_ws('|', p.polcmd, p.polpermissive, pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), p.polroles::text)
FROM pg_policy p JOIN pg_class t ON t.oid = p.polrelid WHERE t.relnamespace = current_schema()::regnamespace AND {{T: t.oid = ANY (ARRAY(SELECT polrelid FROM pg_policy WHERE age(xmin) <= $A)) AND age(p.xmin) <= $A}}
UNION ALL
SELECT 'rule', r.rulename, t.relname, pg_get_ruledef(r.oid)
FROM pg_rewrite r JOIN pg_class t ON t.oid = r.ev_class WHERE r.rulename <> '_RETURN' AND t.relnamespace = current_schema()::regnamespace AND {{T: t.oid = ANY (ARRAY(SELECT ev_class FROM pg_rewrite WHERE age(xmin) <= $A)) AND age(r.xmin) <= $A}}
UNION ALL
SELECT 'function', p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', '', md5(pg_get_functiondef(p.oid))
FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace AND p.prokind IN ('f', 'p', 'a', 'w') AND {{T: age(p.xmin) <= $A}}
UNION ALL
SELECT 'operator', o.oprname || '(' || concat_ws(',', format_type(nullif(o.oprleft, 0), NULL), format_type(nullif(o.oprright, 0), NULL)) || ')', '', o.oprcode::text
FROM pg_operator o WHERE o.oprnamespace = current_schema()::regnamespace AND {{T: age(o.xmin) <= $A}}
UNION ALL
SELECT 'operator family', f.opfname, '', f.opfmethod::text FROM pg_opfamily f WHERE f.opfnamespace = current_schema()::regnamespace AND {{T: age(f.xmin) <= $A}}
UNION ALL
SELECT 'collation', c.collname, '', concat_ws('|', c.collprovider, c.collcollate, c.collctype) FROM pg_collation c WHERE c.collnamespace = current_schema()::regnamespace AND {{T: age(c.xmin) <= $A}}
UNION ALL
SELECT 'conversion', c.conname, '', c.conproc::text FROM pg_conversion c WHERE c.connamespace = current_schema()::regnamespace AND {{T: age(c.xmin) <= $A}}
UNION ALL
SELECT 'text search configuration', c.cfgname, '', c.cfgparser::text FROM pg_ts_config c WHERE c.cfgnamespace = current_schema()::regnamespace AND {{T: age(c.xmin) <= $A}}
UNION ALL
SELECT 'text search dictionary', d.dictname, '', d.dicttemplate::text FROM pg_ts_dict d WHERE d.dictnamespace = current_schema()::regnamespace AND {{T: age(d.xmin) <= $A}}
UNION ALL
SELECT 'temporary table', c.relname, '', c.relkind::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE (c.relnamespace = pg_my_temp_schema() OR (n.nspname LIKE 'pg\_temp\_%' AND pg_get_userbyid(c.relowner) LIKE 'plugmig\_%'))
  AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {{T: age(c.xmin) <= $A}}
UNION ALL
SELECT 'type', ty.typname, '', ty.typtype::text || coalesce((SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = ty.oid), '')
FROM pg_type ty WHERE ty.typnamespace = current_schema()::regnamespace AND ty.typtype IN ('e', 'd', 'r')
  AND {{T: age(ty.xmin) <= $A OR EXISTS (SELECT 1 FROM pg_enum e WHERE e.enumtypid = ty.oid AND age(e.xmin) <= $A) OR EXISTS (SELECT 1 FROM pg_constraint k WHERE k.contypid = ty.oid AND age(k.xmin) <= $A)}}`

// pgObjectsFor fills pgObjectsTemplate's marks {{T: <predicate>}}: each
// selects an object the current transaction created or changed — its own
// catalog row, or one of its parts', no older than the transaction's first
// ID ($A is that age, as pgTxAge: a subtransaction, such as a PL/pgSQL
// exception block, writes under a newer ID of its own; a transaction that
// began later and committed would count too, and apply runs such a file
// alone). With touched false every object of the current schema is read.
func pgObjectsFor(touched bool) string {
	var b strings.Builder
	rest := pgObjectsTemplate
	for {
		i := strings.Index(rest, "{{T: ")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "}}")
		b.WriteString(rest[:i])
		if touched {
			b.WriteString("(" + strings.ReplaceAll(rest[i+len("{{T: "):i+j], "$A", "(SELECT "+pgTxAgeExpr+")") + ")")
		} else {
			b.WriteString("true")
		}
		rest = rest[i+j+len("}}"):]
	}
	b.WriteString(rest)
	return b.String()
}

var (
	pgObjects        = sync.OnceValue(func() string { return pgObjectsFor(false) })
	pgTouchedObjects = sync.OnceValue(func() string { return pgObjectsFor(true) })
)

func (postgresProbe) objects(ctx context.Context, db querier) (map[string]object, error) {
	objs := map[string]object{}
	rows, err := db.QueryContext(ctx, pgObjects())
	return objs, collect(rows, err, objs)
}

// pgTouchedProbe is postgresProbe reading only what the current
// transaction created or changed: the probe of a file that runs as the
// plugin's own login role, where the server refuses any change to what the
// role does not own, so what the file touched is all there is to judge.
// Each catalog is scanned once for the transaction's rows; nothing is
// probed per object.
type pgTouchedProbe struct{ postgresProbe }

func (pgTouchedProbe) objects(ctx context.Context, db querier) (map[string]object, error) {
	objs := map[string]object{}
	rows, err := db.QueryContext(ctx, pgTouchedObjects())
	return objs, collect(rows, err, objs)
}

func (postgresProbe) arm(ctx context.Context, db querier, tables []string) error {
	stmts := []string{
		`CREATE UNLOGGED TABLE IF NOT EXISTS plugmig_lint_writes (tbl text, op text)`,
		`CREATE OR REPLACE FUNCTION plugmig_lint_log() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO plugmig_lint_writes VALUES (TG_TABLE_NAME, TG_OP); RETURN NULL; END $$`,
	}
	for _, t := range tables {
		q := `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
		stmts = append(stmts,
			`DROP TRIGGER IF EXISTS plugmig_lint_w ON `+q,
			`CREATE TRIGGER plugmig_lint_w AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON `+q+` FOR EACH STATEMENT EXECUTE FUNCTION plugmig_lint_log()`)
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

func (postgresProbe) writesBefore(context.Context, querier, string, map[string]object) ([]string, error) {
	return nil, nil
}

func (postgresProbe) writesAfter(ctx context.Context, db querier) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT DISTINCT tbl FROM plugmig_lint_writes ORDER BY tbl`)
	if err != nil {
		return nil, nil // not armed: no foreign table yet
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, t)
	}
	rows.Close()
	_, err = db.ExecContext(ctx, `DELETE FROM plugmig_lint_writes`)
	return tables, err
}

func (postgresProbe) internal(o object) bool {
	return strings.HasPrefix(o.Name, "plugmig_lint_")
}
