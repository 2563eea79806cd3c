// Package schema is a plugin whose type Tx is also ent's transaction type:
// ent generates it, and go build fails (field and method with the same name Tx).
package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

type Tx struct{ ent.Schema }

func (Tx) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "pay__txs"}}
}

func (Tx) Fields() []ent.Field { return []ent.Field{field.String("value")} }
