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

type Loose struct{ ent.Schema }

func (Loose) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "loose_rows"}}
}

func (Loose) Fields() []ent.Field { return []ent.Field{field.Int("entry_id"), field.String("value")} }

func (Loose) Edges() []ent.Edge { return []ent.Edge{} }

func (Loose) Indexes() []ent.Index { return []ent.Index{} }

var _ = index.Fields
var _ = edge.To
var _ core.Entry
