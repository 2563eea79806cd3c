// Package schema holds the ent schemas of the audio media type.
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

// AudioData is audio__mediadata: marks a media entry as audio; MediaGoblin
// keeps no other column, keyed by the media entry (MediaGoblin's
// mediagoblin/media_types/audio/models.py).
type AudioData struct{ ent.Schema }

func (AudioData) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "audio__mediadata"}}
}

func (AudioData) Fields() []ent.Field {
	off := false
	return []ent.Field{
		// The key is the media entry's id: no sequence of its own.
		field.Int("id").StorageKey("media_entry").SchemaType(column.Integer).
			Annotations(entsql.Annotation{Incremental: &off}),
	}
}

func (AudioData) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("media_entry", core.MediaEntry.Type).Ref("audio_data").
			Unique().Required().Annotations(plugin.SharedKey{}),
	}
}
