// Package schema is a plugin whose type Entc would have ent write ent/entc.go, over the
// generator program of the client folder.
package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

type Entc struct{ ent.Schema }

func (Entc) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "tool__runs"}}
}

func (Entc) Fields() []ent.Field { return []ent.Field{field.String("value")} }
