// Package schema holds the ent schemas of the image media type.
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

// ImageData is image__mediadata: the dimensions and EXIF data of an image
// media entry, keyed by the media entry.
type ImageData struct{ ent.Schema }

func (ImageData) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "image__mediadata"}}
}

func (ImageData) Fields() []ent.Field {
	off := false
	return []ent.Field{
		field.Int("id").StorageKey("media_entry").SchemaType(column.Integer).
			Annotations(entsql.Annotation{Incremental: &off}),
		field.Int("width").SchemaType(column.Integer).Optional().Nillable(),
		field.Int("height").SchemaType(column.Integer).Optional().Nillable(),
		field.Text("exif_all").Optional().Nillable().Comment("JSON"),
	}
}

func (ImageData) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("media_entry", core.MediaEntry.Type).Ref("image_data").
			Unique().Required().Annotations(plugin.SharedKey{}),
	}
}
