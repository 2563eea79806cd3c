package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

type Old struct{ ent.Schema }

func (Old) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "old_rows"}}
}

func (Old) Fields() []ent.Field { return []ent.Field{field.String("value")} }

func (Old) Indexes() []ent.Index {
	return []ent.Index{index.Fields("value").StorageKey("ix_old_rows_value")}
}
