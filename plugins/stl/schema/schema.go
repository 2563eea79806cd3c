// Package schema holds the ent schemas of the stl media type.
package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"github.com/plugmig/plugmig/engine/plugin"
	core "github.com/plugmig/plugmig/ent/schema"
	"github.com/plugmig/plugmig/ent/schema/column"
)

// StlData is stl__mediadata: the bounding box and file type of a 3D model
// (STL/OBJ) media entry, keyed by the media entry (MediaGoblin's
// mediagoblin/media_types/stl/models.py).
type StlData struct{ ent.Schema }

func (StlData) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "stl__mediadata"}}
}

func (StlData) Fields() []ent.Field {
	off := false
	return []ent.Field{
		// The key is the media entry's id: no sequence of its own.
		field.Int("id").StorageKey("media_entry").SchemaType(column.Integer).
			Annotations(entsql.Annotation{Incremental: &off}),
		field.Float("center_x").SchemaType(column.Float).Optional().Nillable(),
		field.Float("center_y").SchemaType(column.Float).Optional().Nillable(),
		field.Float("center_z").SchemaType(column.Float).Optional().Nillable(),
		field.Float("width").SchemaType(column.Float).Optional().Nillable(),
		field.Float("height").SchemaType(column.Float).Optional().Nillable(),
		field.Float("depth").SchemaType(column.Float).Optional().Nillable(),
		field.String("file_type").SchemaType(column.Varchar).Optional().Nillable(),
	}
}

func (StlData) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("media_entry", core.MediaEntry.Type).Ref("stl_data").
			Unique().Required().Annotations(plugin.SharedKey{}),
	}
}
