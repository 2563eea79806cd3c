package lint

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/plugmig/plugmig/engine/plugin"
)

// What a PostgreSQL plugin file leaves behind acts later, with the rights
// of whoever uses the plugin's tables (the application), unless the
// server runs it as the plugin. After every plugin file — at apply in the
// plugin's own transaction before it commits, and at lint on the scratch
// database — one catalog query (pgLeftBehind) asks the server what the
// plugin's role owns and what those objects will run:
//
//   - every routine the role owns is made SECURITY DEFINER with a fixed
//     search_path (the file is not refused: an invoker routine becomes one
//     that runs with the plugin's rights, whoever calls it);
//   - a trigger on the plugin's table runs only a routine the plugin owns
//     (PL112);
//   - the expressions the server evaluates later as whoever writes or reads
//     — column defaults and generated columns, checks (also of the plugin's
//     domains), index expressions and predicates, policies, views and rule
//     actions, trigger conditions, partition keys, argument defaults,
//     aggregates' and operators' and range types' support functions — call
//     only routines the plugin owns and built-ins of pg_catalog that change
//     nothing (immutable or stable, less pgDenyStable, plus pgAllowVolatile);
//     nextval only as a serial column's default of the plugin's own sequence
//     (PL110). The calls are read from the expressions' parse trees as the
//     server stored them (pg_node_tree: function and operator OIDs), never
//     from SQL text; PostgreSQL records no pg_depend row for a built-in;
//   - everything the role owns (pg_shdepend, and the indexes of its tables,
//     for which PostgreSQL records no owner: relations of every kind, types,
//     routines, operators, collations, text search objects, statistics
//     objects...) is named with the plugin's prefix (PL102); a
//     schema, a large object or a server-wide object is refused (PL109);
//   - the plugin grants nothing to PUBLIC, to another plugin's role or with
//     the grant option, and sets no default privileges (PL111).

// pgDenyStable are built-ins of pg_catalog marked stable or immutable that
// run SQL text or read what the caller may read: refused in expressions.
var pgDenyStable = []string{"query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema", "cursor_to_xml", "cursor_to_xmlschema", "table_to_xml", "table_to_xmlschema", "table_to_xml_and_xmlschema", "schema_to_xml", "schema_to_xmlschema", "schema_to_xml_and_xmlschema", "database_to_xml", "database_to_xmlschema", "database_to_xml_and_xmlschema", "ts_stat", "ts_rewrite", "current_setting", "pg_read_file", "pg_read_binary_file", "pg_stat_file", "pg_ls_dir"}

// pgAllowVolatile are volatile built-ins that only read the clock or
// randomness: allowed in expressions.
var pgAllowVolatile = []string{"random", "clock_timestamp", "timeofday", "gen_random_uuid"}

// pgLeftBehindSettings are the check's settings, for its transaction.
const pgLeftBehindSettings = "SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true), pg_catalog.set_config('standard_conforming_strings', 'on', true)"

// pgTxAge is the age of this transaction's first ID: a catalog row whose
// xmin is no older was written by it (or by one of its subtransactions,
// or by a transaction that began later: checked again, which is harmless).
// NULL when the transaction wrote nothing.
const pgTxAge = "tx AS (SELECT " + pgTxAgeExpr + " AS age)"

// pgTxAgeExpr is the age of the current transaction's first ID.
const pgTxAgeExpr = "age(pg_catalog.pg_current_xact_id_if_assigned()::xid)"

const pgLeftBehindSQL = `
WITH me AS (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user),
{{tx}},
owned AS (
  SELECT s.classid, s.objid, s.dbid, s.xmin FROM pg_catalog.pg_shdepend s
  WHERE s.refclassid = 'pg_catalog.pg_authid'::regclass AND s.refobjid = (SELECT oid FROM me) AND s.deptype = 'o'
    AND s.dbid IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()))),
-- The plugin's relations this transaction created or changed, or gave a
-- new dependent (a default, constraint, index, trigger, policy, rule,
-- sequence) or a column's row (a column-level GRANT writes only
-- pg_attribute): each is checked whole. What no file touched was checked
-- after the file that did. Read set-wise, one pass over each catalog, not
-- a probe per relation the plugin owns (that grew with its history).
touched AS MATERIALIZED (
  SELECT c.oid FROM pg_catalog.pg_class c WHERE age(c.xmin) <= (SELECT age FROM tx)
  UNION SELECT d.refobjid FROM pg_catalog.pg_depend d WHERE d.refclassid = 'pg_catalog.pg_class'::regclass AND age(d.xmin) <= (SELECT age FROM tx)
  UNION SELECT att.attrelid FROM pg_catalog.pg_attribute att WHERE att.attnum > 0 AND age(att.xmin) <= (SELECT age FROM tx)
  UNION SELECT o.objid FROM owned o WHERE o.classid = 'pg_catalog.pg_class'::regclass AND age(o.xmin) <= (SELECT age FROM tx)),
tabs AS (
  SELECT c.oid, c.relname, c.relkind, c.relacl FROM touched t JOIN pg_catalog.pg_class c ON c.oid = t.oid
  WHERE c.oid IN (SELECT o.objid FROM owned o WHERE o.classid = 'pg_catalog.pg_class'::regclass)),
-- The relations whose names count: those, and every index of the plugin's
-- tables created or renamed now (an index has no owner of its own).
newidx AS MATERIALIZED (
  SELECT i.oid, i.relname, i.relkind, i.relacl FROM pg_catalog.pg_class i WHERE i.relkind IN ('i', 'I') AND age(i.xmin) <= (SELECT age FROM tx)),
rels AS (
  SELECT * FROM tabs
  UNION ALL SELECT n.oid, n.relname, n.relkind, n.relacl FROM newidx n JOIN pg_catalog.pg_index x ON x.indexrelid = n.oid
    WHERE x.indrelid IN (SELECT o.objid FROM owned o WHERE o.classid = 'pg_catalog.pg_class'::regclass)),
allprocs AS (SELECT p.oid, p.prokind, p.prosecdef, p.proconfig, p.pronamespace, age(o.xmin) <= (SELECT age FROM tx) OR age(p.xmin) <= (SELECT age FROM tx) AS touched
  FROM owned o JOIN pg_catalog.pg_proc p ON p.oid = o.objid WHERE o.classid = 'pg_catalog.pg_proc'::regclass),
procs AS (SELECT p.* FROM allprocs a JOIN pg_catalog.pg_proc p ON p.oid = a.oid WHERE a.touched),
types AS (SELECT t.* FROM owned o JOIN pg_catalog.pg_type t ON t.oid = o.objid WHERE o.classid = 'pg_catalog.pg_type'::regclass AND (age(o.xmin) <= (SELECT age FROM tx) OR age(t.xmin) <= (SELECT age FROM tx)
  OR EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.refclassid = 'pg_catalog.pg_type'::regclass AND d.refobjid = t.oid AND age(d.xmin) <= (SELECT age FROM tx)))),
trees AS (
  SELECT format('the default of column %I of %I', a.attname, r.relname) AS what,
      -- nextval of a constant sequence (a serial column's default, maybe cast) is the plugin's own when every sequence the default names is
      -- (an aggregate in a scalar subquery: probed per default, never hashed over every default of the database)
      CASE WHEN NOT coalesce((SELECT bool_or(q.relkind = 'S' AND q.relowner <> (SELECT oid FROM me)) FROM pg_catalog.pg_depend dd JOIN pg_catalog.pg_class q ON q.oid = dd.refobjid
          WHERE dd.classid = 'pg_catalog.pg_attrdef'::regclass AND dd.objid = d.oid AND dd.refclassid = 'pg_catalog.pg_class'::regclass), false)
        THEN regexp_replace(d.adbin::text, '\{FUNCEXPR :funcid ' || 'pg_catalog.nextval(regclass)'::regprocedure::oid || ' [^{}]*:args \(\{CONST :consttype ' || 'pg_catalog.regclass'::regtype::oid || ' [^{}]*\}\) :location -?[0-9]+\}', '{OWN_NEXTVAL}', 'g')
        ELSE d.adbin::text END AS tree
    FROM tabs r CROSS JOIN LATERAL (SELECT d.oid, d.adnum, d.adbin FROM pg_catalog.pg_attrdef d WHERE d.adrelid = r.oid) d
    JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum = d.adnum
  UNION ALL SELECT format('constraint %I on %I', con.conname, r.relname), con.conbin::text
    FROM tabs r CROSS JOIN LATERAL (SELECT con.conname, con.conbin FROM pg_catalog.pg_constraint con WHERE con.conrelid = r.oid AND con.conbin IS NOT NULL) con
  UNION ALL SELECT format('constraint %I of type %s', con.conname, con.contypid::regtype), con.conbin::text
    FROM types t CROSS JOIN LATERAL (SELECT con.conname, con.contypid, con.conbin FROM pg_catalog.pg_constraint con WHERE con.contypid = t.oid AND con.conbin IS NOT NULL) con
  UNION ALL SELECT format('index %I', r.relname), concat(x.indexprs::text, ' ', x.indpred::text)
    FROM tabs t CROSS JOIN LATERAL (SELECT x.indexrelid, x.indexprs, x.indpred FROM pg_catalog.pg_index x WHERE x.indrelid = t.oid AND (x.indexprs IS NOT NULL OR x.indpred IS NOT NULL)) x JOIN pg_catalog.pg_class r ON r.oid = x.indexrelid
  UNION ALL SELECT format('policy %I on %I', p.polname, r.relname), concat(p.polqual::text, ' ', p.polwithcheck::text)
    FROM tabs r CROSS JOIN LATERAL (SELECT p.polname, p.polqual, p.polwithcheck FROM pg_catalog.pg_policy p WHERE p.polrelid = r.oid) p
  UNION ALL SELECT CASE WHEN rw.rulename = '_RETURN' THEN format('view %I', r.relname) ELSE format('rule %I on %I', rw.rulename, r.relname) END, concat(rw.ev_qual::text, ' ', rw.ev_action::text)
    FROM tabs r CROSS JOIN LATERAL (SELECT rw.rulename, rw.ev_qual, rw.ev_action FROM pg_catalog.pg_rewrite rw WHERE rw.ev_class = r.oid) rw
  UNION ALL SELECT format('the condition of trigger %I on %I', tg.tgname, r.relname), tg.tgqual::text
    FROM tabs r CROSS JOIN LATERAL (SELECT tg.tgname, tg.tgqual FROM pg_catalog.pg_trigger tg WHERE tg.tgrelid = r.oid AND tg.tgqual IS NOT NULL) tg
  UNION ALL SELECT format('the partition key of %I', r.relname), pt.partexprs::text
    FROM tabs r CROSS JOIN LATERAL (SELECT pt.partexprs FROM pg_catalog.pg_partitioned_table pt WHERE pt.partrelid = r.oid AND pt.partexprs IS NOT NULL) pt
  UNION ALL SELECT format('the default of type %s', t.oid::regtype), t.typdefaultbin::text FROM types t
    WHERE t.typdefaultbin IS NOT NULL
  UNION ALL SELECT format('the argument defaults of %s', p.oid::regprocedure), p.proargdefaults::text FROM procs p
    WHERE p.proargdefaults IS NOT NULL
  UNION ALL SELECT format('statistics object %I', x.stxname), x.stxexprs::text FROM owned o JOIN pg_catalog.pg_statistic_ext x ON x.oid = o.objid
    WHERE o.classid = 'pg_catalog.pg_statistic_ext'::regclass AND x.stxexprs IS NOT NULL AND age(o.xmin) <= (SELECT age FROM tx)
),
-- A zero oid is a call the tree leaves unset (opfuncid before planning,
-- hashfuncid and negfuncid of an IN list): the operator stands for it.
calls AS (
  SELECT t.what, m[1]::oid AS fn FROM trees t, regexp_matches(t.tree, ' :(?:funcid|opfuncid|aggfnoid|winfnoid|hashfuncid|negfuncid|startInRangeFunc|endInRangeFunc|tsmhandler) (\d+)', 'g') m
  UNION ALL SELECT t.what, (SELECT o.oprcode FROM pg_catalog.pg_operator o WHERE o.oid = m[1]::oid) FROM trees t, regexp_matches(t.tree, ' :(?:opno|sortop|eqop) (\d+)', 'g') m
  UNION ALL SELECT t.what, (SELECT o.oprcode FROM pg_catalog.pg_operator o WHERE o.oid = n::oid) FROM trees t, regexp_matches(t.tree, ' :opnos \(o ([0-9 ]+)\)', 'g') m, unnest(string_to_array(m[1], ' ')) n
  UNION ALL SELECT format('exclusion constraint %I on %I', con.conname, r.relname), (SELECT o.oprcode FROM pg_catalog.pg_operator o WHERE o.oid = x)
    FROM tabs r CROSS JOIN LATERAL (SELECT con.conname, con.conexclop FROM pg_catalog.pg_constraint con WHERE con.conrelid = r.oid AND con.conexclop IS NOT NULL) con, unnest(con.conexclop) x
  UNION ALL SELECT format('aggregate %s', a.aggfnoid::regprocedure), f FROM procs p JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid,
    unnest(ARRAY[a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn, a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn]::oid[]) f
    WHERE f <> 0 AND p.prokind = 'a'
  UNION ALL SELECT format('operator %s', op.oid::regoperator), op.oprcode FROM owned o JOIN pg_catalog.pg_operator op ON op.oid = o.objid
    WHERE o.classid = 'pg_catalog.pg_operator'::regclass AND (age(o.xmin) <= (SELECT age FROM tx) OR age(op.xmin) <= (SELECT age FROM tx))
  UNION ALL SELECT format('range type %s', rg.rngtypid::regtype), f FROM types t JOIN pg_catalog.pg_range rg ON rg.rngtypid = t.oid, unnest(ARRAY[rg.rngcanonical, rg.rngsubdiff]::oid[]) f
    WHERE f <> 0
)
SELECT 'PL110', c.what, c.fn::regprocedure::text, coalesce((SELECT CASE WHEN p.pronamespace <> 'pg_catalog'::regnamespace THEN 'owner ' || pg_catalog.pg_get_userbyid(p.proowner) ELSE 'volatile' END FROM pg_catalog.pg_proc p WHERE p.oid = c.fn), '')
FROM calls c
WHERE c.fn IS DISTINCT FROM 0 AND NOT coalesce((SELECT p.proowner = (SELECT oid FROM me)
    OR (p.pronamespace = 'pg_catalog'::regnamespace AND ((p.provolatile IN ('i', 's') AND p.proname <> ALL ({{deny}})) OR p.proname = ANY ({{allow}})))
  FROM pg_catalog.pg_proc p WHERE p.oid = c.fn), false)
UNION ALL
SELECT 'PL102', (pg_catalog.pg_identify_object('pg_catalog.pg_class'::regclass, r.oid, 0)).type, r.relname, '' FROM rels r
WHERE r.relname NOT LIKE {{prefix}}
UNION ALL
SELECT CASE WHEN o.classid IN ('pg_catalog.pg_largeobject'::regclass, 'pg_catalog.pg_namespace'::regclass) OR o.dbid = 0 THEN 'PL109' WHEN o.classid = 'pg_catalog.pg_default_acl'::regclass THEN 'PL111' ELSE 'PL102' END,
  (pg_catalog.pg_identify_object(o.classid, o.objid, 0)).type, (pg_catalog.pg_identify_object(o.classid, o.objid, 0)).identity, ''
FROM owned o
WHERE o.classid <> 'pg_catalog.pg_class'::regclass AND (o.classid NOT IN ('pg_catalog.pg_proc'::regclass, 'pg_catalog.pg_type'::regclass) OR o.objid IN (SELECT oid FROM procs UNION ALL SELECT oid FROM types)) AND (o.classid IN ('pg_catalog.pg_largeobject'::regclass, 'pg_catalog.pg_namespace'::regclass, 'pg_catalog.pg_default_acl'::regclass) OR o.dbid = 0
  OR NOT coalesce(CASE o.classid
    WHEN 'pg_catalog.pg_proc'::regclass THEN (SELECT proname FROM pg_catalog.pg_proc WHERE oid = o.objid)
    WHEN 'pg_catalog.pg_type'::regclass THEN (SELECT CASE WHEN typrelid <> 0 THEN {{prefix}} ELSE typname END FROM pg_catalog.pg_type WHERE oid = o.objid)
    WHEN 'pg_catalog.pg_operator'::regclass THEN (SELECT CASE WHEN EXISTS (SELECT 1 FROM owned t WHERE t.classid = 'pg_catalog.pg_type'::regclass AND t.objid IN (op.oprleft, op.oprright)) THEN {{prefix}} END FROM pg_catalog.pg_operator op WHERE op.oid = o.objid)
    ELSE (pg_catalog.pg_identify_object(o.classid, o.objid, 0)).name END LIKE {{prefix}}, false))
UNION ALL
SELECT 'PL112', format('trigger %I on %I', tg.tgname, r.relname), tg.tgfoid::regprocedure::text, 'owner ' || pg_catalog.pg_get_userbyid(p.proowner)
FROM tabs r CROSS JOIN LATERAL (SELECT tg.tgname, tg.tgfoid FROM pg_catalog.pg_trigger tg WHERE tg.tgrelid = r.oid AND NOT tg.tgisinternal) tg JOIN pg_catalog.pg_proc p ON p.oid = tg.tgfoid
WHERE p.proowner <> (SELECT oid FROM me)
UNION ALL
SELECT 'PL111', x.what, coalesce(nullif(a.grantee, 0)::regrole::text, 'PUBLIC'), a.privilege_type || CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END FROM (
    SELECT format('%s %I', (pg_catalog.pg_identify_object('pg_catalog.pg_class'::regclass, r.oid, 0)).type, r.relname) AS what, r.relacl AS acl, CASE r.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char" AS k
      FROM rels r WHERE r.relacl IS NOT NULL
    UNION ALL SELECT format('column %I of %I', at.attname, r.relname), at.attacl, 'c'
      FROM tabs r CROSS JOIN LATERAL (SELECT at.attname, at.attacl FROM pg_catalog.pg_attribute at WHERE at.attrelid = r.oid AND at.attnum > 0 AND at.attacl IS NOT NULL) at
    UNION ALL SELECT format('function %s', p.oid::regprocedure), p.proacl, 'f' FROM procs p WHERE p.proacl IS NOT NULL
    UNION ALL SELECT format('type %s', t.oid::regtype), t.typacl, 'T' FROM types t WHERE t.typacl IS NOT NULL
  ) x, aclexplode(x.acl) a
WHERE a.grantor = (SELECT oid FROM me) AND a.grantee <> (SELECT oid FROM me) AND (a.grantee = 0 OR pg_catalog.pg_get_userbyid(a.grantee) LIKE 'plugmig\_%' OR a.is_grantable)
  AND NOT EXISTS (SELECT 1 FROM aclexplode(acldefault(x.k, (SELECT oid FROM me))) d WHERE d.grantee = a.grantee AND d.privilege_type = a.privilege_type)
UNION ALL
SELECT 'definer', p.oid::regprocedure::text, '',
  format('ALTER %s %s SECURITY DEFINER', CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, p.oid::regprocedure)
  || CASE WHEN EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%') THEN '' ELSE format(' SET search_path = %I, pg_temp', (SELECT n.nspname FROM pg_catalog.pg_namespace n WHERE n.oid = p.pronamespace)) END
FROM allprocs p
WHERE p.prokind IN ('f', 'p') AND (NOT p.prosecdef OR NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%'))`

// pgLeftBehindQuery is pgLeftBehindSQL for one plugin: its prefix pattern
// and the lists are literals ({{...}} in pgLeftBehindSQL), so the query has no parameters and the
// session plans it once (a parameterised one is planned again for the
// first executions).
//
// full checks everything the role owns, not only what this transaction
// wrote: for a session whose statements committed one by one (lint's
// scratch database, a file outside a transaction).
func pgLeftBehindQuery(prefix string, full bool) string {
	pattern := strings.ReplaceAll(strings.ReplaceAll(prefix, `\`, `\\`), "_", `\_`) + "%"
	query := strings.NewReplacer("{{tx}}", pgTxAge).Replace(pgLeftBehindSQL)
	if full {
		query = strings.Replace(query, pgTxAge, "tx AS (SELECT 2147483647 AS age)", 1) // every row's age is at most this
	}
	return strings.NewReplacer("{{prefix}}", pgLiteral(pattern), "{{deny}}", pgArray(pgDenyStable), "{{allow}}", pgArray(pgAllowVolatile)).Replace(query)
}

// pgLiteral quotes s as a PostgreSQL string literal (standard conforming:
// quotes doubled; an E-string for a backslash, which the pattern holds).
func pgLiteral(s string) string {
	q := "'" + strings.ReplaceAll(s, "'", "''") + "'"
	if strings.Contains(s, `\`) {
		return "E" + strings.ReplaceAll(q, `\`, `\\`)
	}
	return q
}

func pgArray(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = pgLiteral(n)
	}
	return "ARRAY[" + strings.Join(q, ", ") + "]::text[]"
}

// leftRow is one row of pgLeftBehindSQL.
type leftRow struct{ code, what, object, detail string }

// pgLeftBehind runs the check on q, a session logged in as the plugin's
// role (current_user is the role whose objects are checked): it makes the
// role's routines SECURITY DEFINER with a fixed search_path and returns
// the findings (each with fb's file, line and branch).
//
// legacy reports whether the plugin claims a table, index or sequence name
// without its prefix (nil: none).
func pgLeftBehind(ctx context.Context, q querier, branch, prefix string, legacy func(string) bool, full bool, fb Finding) (_ []Finding, err error) {
	if b, ok := q.(interface {
		BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error)
	}); ok {
		// A pool or a connection (lint, a file outside a transaction): in
		// a transaction of its own, for the search_path below.
		tx, err := b.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		defer func() {
			if err == nil {
				err = tx.Commit()
			} else {
				tx.Rollback()
			}
		}()
		q = tx
	}
	// The session is the plugin's: its file may have created a function,
	// operator or temporary type that matches better than the built-in one
	// a name in the query means (unnest(text[]), &&, a temporary "text"
	// type). With only pg_catalog, and pg_temp last, every name is the
	// built-in; SET LOCAL ends with the file's transaction, which commits
	// next.
	// Likewise its settings: standard_conforming_strings off would turn the
	// query's regular expressions into others (\d into d) and hide every
	// call.
	if _, err := q.ExecContext(ctx, pgLeftBehindSettings); err != nil {
		return nil, fmt.Errorf("read what the plugin's role owns: %w", err)
	}
	rows, err := q.QueryContext(ctx, pgLeftBehindQuery(prefix, full))
	if err != nil {
		return nil, fmt.Errorf("read what the plugin's role owns: %w", err)
	}
	var found []leftRow
	for rows.Next() {
		var r leftRow
		if err := rows.Scan(&r.code, &r.what, &r.object, &r.detail); err != nil {
			rows.Close()
			return nil, err
		}
		found = append(found, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Finding
	seen := map[string]bool{}
	for _, r := range found {
		if r.code == "definer" {
			// One statement per routine, as the plugin's role (it owns it).
			if _, err := q.ExecContext(ctx, r.detail); err != nil {
				return nil, fmt.Errorf("make %s run with the plugin's rights (%s): %w", r.what, r.detail, err)
			}
			continue
		}
		if r.code == CodePrefix && legacy != nil && (r.what == "table" || r.what == "index" || r.what == "sequence") && legacy(r.object) {
			continue // a legacy name the plugin claims (plugin.Plugin.LegacyNames)
		}
		key := r.code + " " + r.object
		if r.code == CodeLaterCall || r.code == CodeGrant || r.code == CodeForeignCode {
			key = r.code + " " + r.what + " " + r.object + " " + r.detail
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, leftFinding(r, branch, prefix, fb))
	}
	return out, nil
}

// leftFinding words one row of the check as a finding that says what to
// write instead.
func leftFinding(r leftRow, branch, prefix string, fb Finding) Finding {
	switch r.code {
	case CodeLaterCall:
		why := "a built-in function that changes something (" + builtinEffect(r.object) + ")"
		if owner, ok := strings.CutPrefix(r.detail, "owner "); ok {
			why = fmt.Sprintf("a routine the plugin does not own (owned by %s)", owner)
		}
		return fb.with(CodeLaterCall, r.object, "", fmt.Sprintf("%s calls %s, %s: the server evaluates it later as whoever writes or reads the plugin's table (the application), with their rights, outside any migration; call only the plugin's own functions (they run with the plugin's rights), its own sequences as a serial column's default, and built-ins that change nothing — move the call into a function of the plugin's (CREATE FUNCTION %s...), which runs with the plugin's rights", r.what, r.object, why, prefix))
	case CodeForeignCode:
		return fb.with(CodeForeignCode, r.object, strings.TrimPrefix(r.detail, "owner "), fmt.Sprintf("%s executes %s, which the plugin does not own: it would run later with the rights of whoever writes the table (the application); write the trigger's function in the plugin (CREATE FUNCTION %s...): the plugin's functions run with the plugin's rights", r.what, r.object, prefix))
	case CodeGrant:
		if r.what == "default acl" {
			return fb.with(CodeGrant, r.object, "", fmt.Sprintf("sets default privileges (%s): they would grant the plugin's future objects to others; access is the tool's business (apply gives the application access through the plugin's role): remove ALTER DEFAULT PRIVILEGES", r.object))
		}
		return fb.with(CodeGrant, r.what, "", fmt.Sprintf("grants %s on %s to %s: access to the plugin's objects is the tool's business (apply gives the application access through the plugin's role), not the plugin's; remove the GRANT", r.detail, r.what, r.object))
	case CodeServerObject:
		what := fmt.Sprintf("a %s (%s)", r.what, r.object)
		fix := "keep the plugin's data in its own tables"
		switch r.what {
		case "large object":
			fix = "store the bytes in a bytea column of a table of the plugin's (" + prefix + "...)"
		case "schema":
			fix = "create the plugin's objects in the application's schema, named " + prefix + "..."
		}
		return fb.with(CodeServerObject, r.object, branch, fmt.Sprintf("leaves %s, owned by the plugin's role, outside the application's tables: it outlives the plugin's tables and no one would drop it; %s", what, fix))
	}
	return fb.with(CodePrefix, r.object, branch, fmt.Sprintf("the plugin's role owns %s %s, named outside the plugin's prefix: everything a plugin owns carries its name (also an identity column's sequence, a constraint's index, a type), or it can take a name core or another plugin will need; name it %s...", r.what, r.object, prefix))
}

// builtinEffect says what a refused built-in does.
func builtinEffect(fn string) string {
	name, _, _ := strings.Cut(fn, "(")
	switch {
	case slices.Contains([]string{"nextval", "setval", "currval", "lastval"}, name):
		return "a sequence's value; nextval is allowed only as the default of a serial column of the plugin's own sequence"
	case strings.HasPrefix(name, "lo_") || strings.HasPrefix(name, "lo"):
		return "large objects"
	case strings.Contains(name, "advisory"):
		return "advisory locks"
	case name == "set_config" || name == "current_setting":
		return "the session's settings"
	case strings.HasPrefix(name, "dblink"):
		return "another database"
	}
	return "volatile, or it runs SQL text"
}

// PGLeftBehind is the check after a PostgreSQL plugin file at apply, on the
// file's own transaction or session (logged in as the plugin's role),
// before it commits: it makes the role's routines run with its rights and
// returns a *GuardError for what the plugin may not leave behind.
// inTx: q is the file's transaction, and only what it wrote is read
// (what earlier files left was checked after them); otherwise everything
// the role owns.
func (g *Guard) PGLeftBehind(ctx context.Context, q querier, inTx bool) error {
	fs, err := pgLeftBehind(ctx, q, g.branch, plugin.Prefix(g.branch), g.l.legacy(g.branch), !inTx, Finding{Severity: Error, Branch: g.branch, Dialect: g.dialect, Statement: AfterFile})
	if err != nil {
		return fmt.Errorf("ownership guard: %w", err)
	}
	if len(fs) > 0 {
		return &GuardError{Findings: fs, After: !inTx}
	}
	return nil
}

// leftBehind is the same check at lint, on the plugin's session of the
// scratch database after the file's last statement (each finding once per
// branch: a later file still sees what an earlier one left).
func (w *walker) leftBehind(ctx context.Context, path string) ([]Finding, error) {
	fb := Finding{Severity: Error, Branch: w.branch, Dialect: w.dialect, File: path, Statement: AfterFile}
	fs, err := pgLeftBehind(ctx, w.run, w.branch, plugin.Prefix(w.branch), w.l.legacy(w.branch), true, fb)
	if err != nil {
		return nil, err
	}
	if w.leftSeen == nil {
		w.leftSeen = map[string]bool{}
	}
	// lint's own write recorder (probe_postgres.go): a table the file
	// created under another's name was armed with it before the file
	// renamed it to the plugin's; the trigger and its function are lint's,
	// not the plugin's.
	schema, err := oneString(ctx, w.run, "SELECT current_schema()")
	if err != nil {
		return nil, err
	}
	recorder := schema + ".plugmig_lint_log()"
	var out []Finding
	for _, f := range fs {
		if f.Code == CodeForeignCode && f.Object == recorder && strings.Contains(f.Message, `trigger plugmig_lint_w on`) {
			continue
		}
		if k := f.Code + " " + f.Object + " " + f.Message; !w.leftSeen[k] {
			w.leftSeen[k] = true
			out = append(out, f)
		}
	}
	return out, nil
}

// AfterFile stands for the statement of a finding about what a
// whole file left behind.
const AfterFile = "(what the file leaves behind, read from the catalog after its last statement)"

// PGWarmLeftBehind prepares the after-file check of a plugin's branch on
// its session before the first file (apply opens sessions ahead, while
// other branches run): a new session's first run of the query loads the
// catalog caches of every catalog it reads and plans it, several times
// the cost of a later run. Nothing is changed (rolled back, rows read and
// dropped); best effort.
func PGWarmLeftBehind(ctx context.Context, db *sql.DB, branch string) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, pgLeftBehindSettings); err != nil {
		return
	}
	rows, err := tx.QueryContext(ctx, pgLeftBehindQuery(plugin.Prefix(branch), false))
	if err != nil {
		return
	}
	for rows.Next() {
	}
	rows.Close()
}

// PGDefinerAsApply makes the routines of the current schema named with a
// plugin's prefix run as apply leaves them (SECURITY DEFINER with a fixed
// search_path), on a database where the plugin's history was replayed
// without apply's guard (drift's scratch database), so that their
// definitions compare equal to the live ones.
func PGDefinerAsApply(ctx context.Context, q querier, prefix string) error {
	pattern := strings.ReplaceAll(strings.ReplaceAll(prefix, `\`, `\\`), "_", `\_`) + "%"
	rows, err := q.QueryContext(ctx, `SELECT format('ALTER %s %s SECURITY DEFINER', CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, p.oid::regprocedure)
  || CASE WHEN EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%') THEN '' ELSE format(' SET search_path = %I, pg_temp', n.nspname) END
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.pronamespace = current_schema()::regnamespace AND p.proname LIKE $1 AND p.prokind IN ('f', 'p')
  AND (NOT p.prosecdef OR NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%'))`, pattern)
	if err != nil {
		return err
	}
	var stmts []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		stmts = append(stmts, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, s := range stmts {
		if _, err := q.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}
