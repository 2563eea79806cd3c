// Package schema holds the ent schemas of the ascii media type.
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

// AsciiData is ascii__mediadata: marks a media entry as ASCII art; MediaGoblin
// keeps no other column, keyed by the media entry (MediaGoblin's
// mediagoblin/media_types/ascii/models.py).
type AsciiData struct{ ent.Schema }

func (AsciiData) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "ascii__mediadata"}}
}

func (AsciiData) Fields() []ent.Field {
	off := false
	return []ent.Field{
		// The key is the media entry's id: no sequence of its own.
		field.Int("id").StorageKey("media_entry").SchemaType(column.Integer).
			Annotations(entsql.Annotation{Incremental: &off}),
	}
}

func (AsciiData) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("media_entry", core.MediaEntry.Type).Ref("ascii_data").
			Unique().Required().Annotations(plugin.SharedKey{}),
	}
}
