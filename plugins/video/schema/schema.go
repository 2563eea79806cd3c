// Package schema holds the ent schemas of the video media type.
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

// VideoData is video__mediadata: the dimensions and original metadata of a
// video media entry, keyed by the media entry (MediaGoblin's
// mediagoblin/media_types/video/models.py).
type VideoData struct{ ent.Schema }

func (VideoData) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "video__mediadata"}}
}

func (VideoData) Fields() []ent.Field {
	off := false
	return []ent.Field{
		// The key is the media entry's id: no sequence of its own.
		field.Int("id").StorageKey("media_entry").SchemaType(column.Integer).
			Annotations(entsql.Annotation{Incremental: &off}),
		field.Int("width").SchemaType(column.SmallInt).Optional().Nillable(),
		field.Int("height").SchemaType(column.SmallInt).Optional().Nillable(),
		field.Text("orig_metadata").Optional().Nillable().Comment("JSON"),
	}
}

func (VideoData) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("media_entry", core.MediaEntry.Type).Ref("video_data").
			Unique().Required().Annotations(plugin.SharedKey{}),
	}
}
