package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

type Second struct{ ent.Schema }

func (Second) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "second__rows"}}
}

func (Second) Fields() []ent.Field { return []ent.Field{field.String("value")} }

func (Second) Indexes() []ent.Index {
	return []ent.Index{index.Fields("value").StorageKey("second__rows_value_idx")}
}
