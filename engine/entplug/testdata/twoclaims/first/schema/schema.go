package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

type First struct{ ent.Schema }

func (First) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "first__rows"}}
}

func (First) Fields() []ent.Field { return []ent.Field{field.String("value")} }

func (First) Indexes() []ent.Index {
	return []ent.Index{index.Fields("value").StorageKey("first__rows_value_idx")}
}
