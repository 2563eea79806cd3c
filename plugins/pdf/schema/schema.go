// Package schema holds the ent schemas of the pdf media type.
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

// PdfData is pdf__mediadata: the page count and document properties of a PDF
// media entry, keyed by the media entry (MediaGoblin's
// mediagoblin/media_types/pdf/models.py).
type PdfData struct{ ent.Schema }

func (PdfData) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "pdf__mediadata"}}
}

func (PdfData) Fields() []ent.Field {
	off := false
	return []ent.Field{
		// The key is the media entry's id: no sequence of its own.
		field.Int("id").StorageKey("media_entry").SchemaType(column.Integer).
			Annotations(entsql.Annotation{Incremental: &off}),
		field.Int("pages").SchemaType(column.Integer).Optional().Nillable(),
		field.String("pdf_author").SchemaType(column.Varchar).Optional().Nillable(),
		field.String("pdf_title").SchemaType(column.Varchar).Optional().Nillable(),
		field.String("pdf_keywords").SchemaType(column.Varchar).Optional().Nillable(),
		field.String("pdf_creator").SchemaType(column.Varchar).Optional().Nillable(),
		field.String("pdf_producer").SchemaType(column.Varchar).Optional().Nillable(),
		field.Time("pdf_creation_date").SchemaType(column.Timestamp).Optional().Nillable(),
		field.Time("pdf_modified_date").SchemaType(column.Timestamp).Optional().Nillable(),
		field.Int("pdf_version_major").SchemaType(column.Integer).Optional().Nillable(),
		field.Int("pdf_version_minor").SchemaType(column.Integer).Optional().Nillable(),
		field.Float("pdf_page_size_width").SchemaType(column.Float).Optional().Nillable(),
		field.Float("pdf_page_size_height").SchemaType(column.Float).Optional().Nillable(),
		field.Int("pdf_pages").SchemaType(column.Integer).Optional().Nillable(),
	}
}

func (PdfData) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("media_entry", core.MediaEntry.Type).Ref("pdf_data").
			Unique().Required().Annotations(plugin.SharedKey{}),
	}
}
