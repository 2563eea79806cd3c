// Package core is a one-table core for entplug's tests.
package core

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// Entry is the core table core__entries.
type Entry struct{ ent.Schema }

func (Entry) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "core__entries"}}
}

func (Entry) Fields() []ent.Field { return []ent.Field{field.String("title")} }
