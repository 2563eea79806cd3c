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

type Entry struct{ ent.Schema }

func (Entry) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "dup__entries"}}
}

func (Entry) Fields() []ent.Field { return []ent.Field{field.Int("entry_id"), field.String("value")} }

func (Entry) Edges() []ent.Edge { return []ent.Edge{} }

func (Entry) Indexes() []ent.Index { return []ent.Index{} }

var _ = index.Fields
var _ = edge.To
var _ core.Entry
