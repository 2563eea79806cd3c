package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

type Grab struct{ ent.Schema }

func (Grab) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "grab__rows"}}
}

func (Grab) Fields() []ent.Field { return []ent.Field{field.String("value")} }

func (Grab) Indexes() []ent.Index {
	return []ent.Index{index.Fields("value").StorageKey("grab__rows_value_idx")}
}
