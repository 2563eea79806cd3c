// Package schema is a plugin whose type names collide with core's generated
// code: ENtry shares core Entry's package (ent/entry), EntryQuery is the name
// of Entry's query builder.
package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

type ENtry struct{ ent.Schema }

func (ENtry) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "oauth__entries"}}
}

func (ENtry) Fields() []ent.Field { return []ent.Field{field.String("value")} }

type EntryQuery struct{ ent.Schema }

func (EntryQuery) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "oauth__queries"}}
}

func (EntryQuery) Fields() []ent.Field { return []ent.Field{field.String("q")} }
