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

type Rating struct{ ent.Schema }

func (Rating) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "rate__ratings"}}
}

func (Rating) Fields() []ent.Field { return []ent.Field{field.Int("entry_id"), field.String("value")} }

func (Rating) Edges() []ent.Edge {
	return []ent.Edge{edge.From("entry", core.Entry.Type).Ref("ratings").Unique().Required().Field("entry_id")}
}

func (Rating) Indexes() []ent.Index { return []ent.Index{index.Fields("value")} }

var _ = index.Fields
var _ = edge.To
var _ core.Entry
