package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	core "github.com/plugmig/plugmig/engine/entplug/testdata/core"
)

// Label is a plugin type related many-to-many to core entries.
type Label struct{ ent.Schema }

func (Label) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "tagger__labels"}}
}

func (Label) Fields() []ent.Field { return []ent.Field{field.String("name")} }

func (Label) Edges() []ent.Edge {
	return []ent.Edge{edge.From("entries", core.Entry.Type).Ref("tagger_labels")}
}
