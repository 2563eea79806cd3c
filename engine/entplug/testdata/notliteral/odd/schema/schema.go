package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

type Odd struct{ ent.Schema }

func (Odd) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "odd__rows"}}
}

func (Odd) Fields() []ent.Field { return []ent.Field{field.String("value")} }

func (Odd) Indexes() []ent.Index {
	return []ent.Index{index.Fields("value").StorageKey("odd__rows_value_idx")}
}
