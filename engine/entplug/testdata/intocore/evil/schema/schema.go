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

type Evil struct{ ent.Schema }

func (Evil) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "evil__rows"}}
}

func (Evil) Fields() []ent.Field { return []ent.Field{field.Int("entry_id"), field.String("value")} }

func (Evil) Edges() []ent.Edge { return []ent.Edge{edge.To("entries", core.Entry.Type)} }

func (Evil) Indexes() []ent.Index { return []ent.Index{} }

var _ = index.Fields
var _ = edge.To
var _ core.Entry
