// Package schema is a plugin whose type Edges is named like a method of ent.Schema: its
// wrapper hides the method, and ent skips the type silently (no client, no table).
package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

type Edges struct{ ent.Schema }

func (Edges) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "graph__edges"}}
}

func (Edges) Fields() []ent.Field { return []ent.Field{field.String("value")} }
