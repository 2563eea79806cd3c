// Package schema holds the ent schemas of the subtitles plugin.
package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	core "github.com/plugmig/plugmig/ent/schema"
	"github.com/plugmig/plugmig/ent/schema/column"
)

// MediaSubtitleFile is core__subtitle_files: a subtitle file of a media
// entry. The table keeps MediaGoblin's name, claimed in LegacyNames.
type MediaSubtitleFile struct{ ent.Schema }

// Annotations names the table.
func (MediaSubtitleFile) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "core__subtitle_files"}}
}

// Fields of a subtitle file.
func (MediaSubtitleFile) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.Int("media_entry_id").StorageKey("media_entry").SchemaType(column.Integer),
		field.String("name").SchemaType(column.Varchar),
		// MediaGoblin's PathTupleWithSlashes: the path's parts joined by "/".
		field.String("filepath").SchemaType(column.Varchar).Optional().Nillable(),
		field.Time("created").SchemaType(column.Timestamp).Default(utcnow),
	}
}

// Edges of a subtitle file: its media entry
// (MediaEntry.QuerySubtitleFiles reaches the files back).
func (MediaSubtitleFile) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("media_entry", core.MediaEntry.Type).Ref("subtitle_files").
			Unique().Required().Field("media_entry_id"),
	}
}

// utcnow is MediaGoblin's datetime.utcnow: a Go-side default, none in the DDL.
func utcnow() time.Time { return time.Now().UTC() }
