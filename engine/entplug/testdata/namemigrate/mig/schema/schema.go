// Package schema is a plugin whose type Migrate would put its package in ent/migrate/,
// over ent's own migrate package.
package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

type Migrate struct{ ent.Schema }

func (Migrate) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "mig__rows"}}
}

func (Migrate) Fields() []ent.Field { return []ent.Field{field.String("value")} }
