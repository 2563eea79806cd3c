package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	core "github.com/plugmig/plugmig/engine/entplug/testdata/core"
)

type Idx struct{ ent.Schema }

func (Idx) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "idx__rows"}}
}

func (Idx) Fields() []ent.Field { return []ent.Field{field.Int("entry_id"), field.String("value")} }

func (Idx) Edges() []ent.Edge { return []ent.Edge{} }

func (Idx) Indexes() []ent.Index { return []ent.Index{index.Fields("value").StorageKey("value_idx")} }

var _ = index.Fields
var _ = edge.To
var _ core.Entry
