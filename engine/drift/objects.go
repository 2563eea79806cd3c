package drift

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/plugmig/plugmig/engine/lint"
	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/engine/roles"
)

// Kinds of the objects that run code later, beside the tables' kinds.
const (
	KindTrigger = "trigger"
	KindView    = "view"
	KindRoutine = "routine"
	KindEvent   = "event"
	KindRule    = "rule"
	KindPolicy  = "policy"
)

// WhatUnprefixed says an object belongs to a plugin (on its table, or
// owned or defined by its role or account) but is named outside its prefix.
const WhatUnprefixed = "named outside the plugin's prefix"

// codeObject is a trigger, view, routine, event, rule or policy as the
// catalog describes it: what it is on (table), who owns or defined it,
// and its definition as the server keeps it.
type codeObject struct {
	kind, name, table, owner, def string
}

// objectQueries read the code objects of the connected schema, per
// dialect: kind, name, table, owner (role or definer), definition.
var objectQueries = map[string][]string{
	"sqlite": {`SELECT type, name, tbl_name, '', COALESCE(sql, '') FROM sqlite_master WHERE type IN ('trigger', 'view')`},
	"postgres": {
		`SELECT 'trigger', t.tgname, c.relname, '', pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace`,
		`SELECT 'view', c.relname, '', pg_get_userbyid(c.relowner), pg_get_viewdef(c.oid) FROM pg_class c WHERE c.relkind IN ('v', 'm') AND c.relnamespace = current_schema()::regnamespace`,
		`SELECT 'routine', p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', '', pg_get_userbyid(p.proowner), CASE WHEN p.prokind = 'a' THEN '' ELSE pg_get_functiondef(p.oid) END FROM pg_proc p WHERE p.pronamespace = current_schema()::regnamespace`,
		`SELECT 'rule', rulename, tablename, '', definition FROM pg_rules WHERE schemaname = current_schema()`,
		`SELECT 'policy', policyname, tablename, '', concat_ws(' ', permissive, cmd, qual, with_check) FROM pg_policies WHERE schemaname = current_schema()`,
	},
	"mysql": {
		`SELECT 'trigger', TRIGGER_NAME, EVENT_OBJECT_TABLE, DEFINER, CONCAT_WS(' ', ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()`,
		`SELECT 'view', TABLE_NAME, '', DEFINER, CONCAT_WS(' ', SECURITY_TYPE, VIEW_DEFINITION) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()`,
		`SELECT 'routine', ROUTINE_NAME, '', DEFINER, CONCAT_WS(' ', ROUTINE_TYPE, SECURITY_TYPE, ROUTINE_DEFINITION) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()`,
		`SELECT 'event', EVENT_NAME, '', DEFINER, EVENT_DEFINITION FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()`,
	},
}

// codeObjects reads the code objects of a database, keyed "kind name";
// database is its name, taken out of definitions (MySQL qualifies the
// tables of a view with it).
func codeObjects(ctx context.Context, db *sql.DB, dialect string) (map[string]codeObject, error) {
	var name string
	switch dialect {
	case "mysql":
		if err := db.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&name); err != nil {
			return nil, err
		}
	case "postgres":
		if err := db.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
			return nil, err
		}
	}
	out := map[string]codeObject{}
	for _, q := range objectQueries[dialect] {
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("read triggers, views and routines: %w", err)
		}
		for rows.Next() {
			var o codeObject
			if err := rows.Scan(&o.kind, &o.name, &o.table, &o.owner, &o.def); err != nil {
				rows.Close()
				return nil, err
			}
			if name != "" {
				o.def = strings.ReplaceAll(o.def, "`"+name+"`.", "")
			}
			out[o.kind+" "+o.name] = o
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// objectOwner returns the branch a code object belongs to: the owner of
// the table it is on, else of its name's prefix, else the plugin whose
// role or account owns or defined it (identity names are per database:
// database names the one they are for), else "".
func (s *session) objectOwner(o codeObject, database string) string {
	if o.table != "" {
		if b := s.tableOwner(o.table); b != "" {
			return b
		}
	}
	if b := s.tableOwner(o.name); b != "" {
		return b
	}
	if p := s.comp.Plugins().OwnerByName(strings.ToLower(o.name)); p != "" && p != plugin.Core {
		return p
	}
	for _, p := range s.comp.Plugins().Names() {
		if o.owner != "" && database != "" {
			user, _, _ := strings.Cut(strings.ReplaceAll(o.owner, "`", ""), "@")
			if user == roles.Name(database, p) {
				return p
			}
		}
	}
	return ""
}

// tableOwner returns the branch that owns a table: declared, created by
// its history, or named with a plugin's prefix.
func (s *session) tableOwner(table string) string {
	if b := s.comp.Owner(table); b != "" {
		return b
	}
	if b := s.created[table]; b != "" {
		return b
	}
	if p := s.comp.Plugins().OwnerByName(strings.ToLower(table)); p != plugin.Core {
		return p
	}
	return ""
}

// compareObjects compares the branch's triggers, views, routines, events,
// rules and policies in the live database with those its history created
// on the scratch database (replayed up to the applied version), and
// reports a plugin's object named outside its prefix.
func (s *session) compareObjects(ctx context.Context, branch string) ([]Difference, error) {
	if s.liveObjects == nil {
		live, err := codeObjects(ctx, s.t.DB, s.t.Dialect)
		if err != nil {
			return nil, err
		}
		s.liveObjects = live
		if s.t.Dialect != "sqlite" {
			if err := s.t.DB.QueryRowContext(ctx, map[string]string{"mysql": "SELECT DATABASE()", "postgres": "SELECT current_database()"}[s.t.Dialect]).Scan(&s.database); err != nil {
				return nil, err
			}
		}
	}
	if s.t.Dialect == "postgres" && branch != plugin.Core {
		// Apply makes a plugin's routines SECURITY DEFINER with a fixed
		// search_path after each file (SECURITY.md); the replay did not.
		if err := lint.PGDefinerAsApply(ctx, s.dev.DB, plugin.Prefix(branch)); err != nil {
			return nil, fmt.Errorf("make branch %q's routines run as apply leaves them: %w", branch, err)
		}
	}
	want, err := codeObjects(ctx, s.dev.DB, s.t.Dialect)
	if err != nil {
		return nil, err
	}
	var out []Difference
	keys := make([]string, 0, len(s.liveObjects)+len(want))
	for k := range s.liveObjects {
		keys = append(keys, k)
	}
	for k := range want {
		if _, ok := s.liveObjects[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		l, inLive := s.liveObjects[k]
		w, inWant := want[k]
		o := l
		if !inLive {
			o = w
		}
		if s.objectOwner(o, s.database) != branch {
			continue
		}
		d := Difference{Table: o.table, Kind: o.kind, Name: o.name}
		if d.Table == "" {
			d.Table = o.name
		}
		switch {
		case !inWant:
			d.What, d.Live = WhatExtra, "not created by the branch's history: "+oneLine(l.def)
			out = append(out, d)
		case !inLive:
			d.What, d.Want = WhatMissing, oneLine(w.def)
			out = append(out, d)
		case l.def != w.def:
			d.What, d.Want, d.Live = "definition", oneLine(w.def), oneLine(l.def)
			out = append(out, d)
		}
		if inLive && branch != plugin.Core && !strings.HasPrefix(strings.ToLower(o.name), plugin.Prefix(branch)) && s.comp.Plugins().Claimant(strings.ToLower(o.name)) != branch {
			out = append(out, Difference{Table: d.Table, Kind: o.kind, Name: o.name, What: WhatUnprefixed, Live: fmt.Sprintf("belongs to plugin %q (its table, role or account) but is not named %s...: rename it, or drop it", branch, plugin.Prefix(branch))})
		}
	}
	return out, nil
}

// oneLine shortens a definition for a report line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
