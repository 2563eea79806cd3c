// Package schema holds the ent schemas of MediaGoblin's core tables
// (mediagoblin/db/models.py, v0.15.0), ported faithfully: table, column and
// index names, types, nullability, keys and foreign keys. Every deviation from
// the reference is listed in docs/ent-deviations.md.
//
// Core schemas never name a plugin. A plugin reaches core entities with edges
// to these types, and gets a back-reference from a core type by declaring
// edge.From(...).Ref("name"): the code generator adds the matching edge to the
// core type (see package entplug).
package schema

import (
	"time"

	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
)

// table names the SQL table of a schema.
func table(name string) []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: name}}
}

// utcnow is the Go-side default MediaGoblin uses (datetime.utcnow): no DDL default.
func utcnow() time.Time { return time.Now().UTC() }

// Go-side literal defaults: MediaGoblin declares no server defaults, and ent
// writes a literal Default into the DDL, so numbers use DefaultFunc. Booleans
// have no DefaultFunc in ent: theirs reach the DDL (docs/ent-deviations.md).
func zeroInt() int       { return 0 }
func zeroFloat() float64 { return 0 }

// sharedKey marks an ID column that is also a foreign key to another table's
// primary key: its values come from the parent row, never from a sequence.
func sharedKey() schema.Annotation {
	off := false
	return entsql.Annotation{Incremental: &off}
}

// noAction keeps an optional foreign key's ON DELETE as MediaGoblin has it
// (no action); ent would otherwise make it SET NULL.
var noAction = entsql.OnDelete(entsql.NoAction)
