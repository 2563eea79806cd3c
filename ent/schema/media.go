package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/plugmig/plugmig/ent/schema/column"
)

// MediaEntry is core__media_entries: one uploaded piece of media. Plugins
// attach their own rows to it (image__mediadata, archivalook__featured_media).
type MediaEntry struct{ ent.Schema }

func (MediaEntry) Annotations() []schema.Annotation { return table("core__media_entries") }

func (MediaEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.String("public_id").SchemaType(column.Varchar).Optional().Nillable(),
		field.Bool("remote").Optional().Nillable().Default(false),
		field.Int("actor_id").StorageKey("actor").SchemaType(column.Integer),
		field.String("title").SchemaType(column.Varchar),
		field.String("slug").SchemaType(column.Varchar).Optional().Nillable(),
		field.Text("description").Optional().Nillable(),
		field.String("media_type").SchemaType(column.Varchar),
		field.String("state").SchemaType(column.Varchar).DefaultFunc(func() string { return "unprocessed" }),
		field.String("license").SchemaType(column.Varchar).Optional().Nillable(),
		field.Int("file_size").SchemaType(column.Integer).Optional().Nillable().DefaultFunc(zeroInt),
		field.Int("location_id").StorageKey("location").SchemaType(column.Integer).Optional().Nillable(),
		field.Time("created").SchemaType(column.Timestamp).Default(utcnow),
		field.Time("updated").SchemaType(column.Timestamp).Default(utcnow),
		field.String("fail_error").SchemaType(column.Varchar).Optional().Nillable(),
		field.Text("fail_metadata").Optional().Nillable().Comment("JSON"),
		field.Float("transcoding_progress").SchemaType(column.Float).Optional().Nillable().DefaultFunc(zeroFloat),
		field.Float("main_transcoding_progress").SchemaType(column.Float).Optional().Nillable().DefaultFunc(zeroFloat),
		field.String("queued_media_file").SchemaType(column.Varchar).Optional().Nillable().Comment("path segments joined with /"),
		field.String("queued_task_id").SchemaType(column.Varchar).Optional().Nillable(),
		field.Text("media_metadata").Optional().Nillable().DefaultFunc(func() string { return "{}" }).Comment("JSON"),
	}
}

func (MediaEntry) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("actor", User.Type).Ref("media_entries").Unique().Required().Field("actor_id"),
		edge.To("location", Location.Type).Unique().Field("location_id").Annotations(noAction),
		edge.To("files", FileKeyname.Type).Through("media_files", MediaFile.Type),
		edge.To("attachment_files", AttachmentFile.Type),
		edge.To("tags", MediaTag.Type),
		edge.To("processing_metadata", ProcessingMetadata.Type),
		edge.To("comment_subscriptions", CommentSubscription.Type),
	}
}

func (MediaEntry) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("public_id").Unique().StorageKey("core__media_entries_public_id_key"),
		index.Fields("actor_id", "slug").Unique().StorageKey("core__media_entries_actor_slug_key"),
		index.Fields("actor_id").StorageKey("ix_core__media_entries_actor"),
		index.Fields("created").StorageKey("ix_core__media_entries_created"),
	}
}

// FileKeyname is core__file_keynames: the names of a media entry's files
// (original, thumb, medium, ...).
type FileKeyname struct{ ent.Schema }

func (FileKeyname) Annotations() []schema.Annotation { return table("core__file_keynames") }

func (FileKeyname) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.String("name").SchemaType(column.Varchar).Optional().Nillable(),
	}
}

func (FileKeyname) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("media_entries", MediaEntry.Type).Ref("files").Through("media_files", MediaFile.Type),
	}
}

func (FileKeyname) Indexes() []ent.Index {
	return []ent.Index{index.Fields("name").Unique().StorageKey("core__file_keynames_name_key")}
}

// MediaFile is core__mediafiles: the file of a media entry under one key
// name, with the composite primary key (media_entry, name_id).
type MediaFile struct{ ent.Schema }

func (MediaFile) Annotations() []schema.Annotation {
	return append(table("core__mediafiles"), field.ID("media_entry_id", "name_id"))
}

func (MediaFile) Fields() []ent.Field {
	return []ent.Field{
		field.Int("media_entry_id").StorageKey("media_entry").SchemaType(column.Integer),
		// SMALLINT referencing an INTEGER key, as in MediaGoblin.
		field.Int("name_id").SchemaType(column.SmallInt),
		field.String("file_path").SchemaType(column.Varchar).Optional().Nillable().Comment("path segments joined with /"),
		field.Text("file_metadata").Optional().Nillable().Comment("JSON"),
	}
}

func (MediaFile) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("media_entry", MediaEntry.Type).Unique().Required().Field("media_entry_id"),
		edge.To("name", FileKeyname.Type).Unique().Required().Field("name_id"),
	}
}

// AttachmentFile is core__attachment_files.
type AttachmentFile struct{ ent.Schema }

func (AttachmentFile) Annotations() []schema.Annotation { return table("core__attachment_files") }

func (AttachmentFile) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.Int("media_entry_id").StorageKey("media_entry").SchemaType(column.Integer),
		field.String("name").SchemaType(column.Varchar),
		field.String("filepath").SchemaType(column.Varchar).Optional().Nillable().Comment("path segments joined with /"),
		field.Time("created").SchemaType(column.Timestamp).Default(utcnow),
	}
}

func (AttachmentFile) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("media_entry", MediaEntry.Type).Ref("attachment_files").Unique().Required().Field("media_entry_id"),
	}
}

// Tag is core__tags.
type Tag struct{ ent.Schema }

func (Tag) Annotations() []schema.Annotation { return table("core__tags") }

func (Tag) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.String("slug").SchemaType(column.Varchar),
	}
}

func (Tag) Indexes() []ent.Index {
	return []ent.Index{index.Fields("slug").Unique().StorageKey("core__tags_slug_key")}
}

// MediaTag is core__media_tags: a tag on a media entry, with its display name.
type MediaTag struct{ ent.Schema }

func (MediaTag) Annotations() []schema.Annotation { return table("core__media_tags") }

func (MediaTag) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.Int("media_entry_id").StorageKey("media_entry").SchemaType(column.Integer),
		field.Int("tag_id").StorageKey("tag").SchemaType(column.Integer),
		field.String("name").SchemaType(column.Varchar).Optional().Nillable(),
	}
}

func (MediaTag) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("media_entry", MediaEntry.Type).Ref("tags").Unique().Required().Field("media_entry_id"),
		edge.To("tag", Tag.Type).Unique().Required().Field("tag_id"),
	}
}

func (MediaTag) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tag_id", "media_entry_id").Unique().StorageKey("core__media_tags_tag_media_entry_key"),
		index.Fields("media_entry_id").StorageKey("ix_core__media_tags_media_entry"),
		index.Fields("tag_id").StorageKey("ix_core__media_tags_tag"),
	}
}

// ProcessingMetadata is core__processing_metadata: where to report when a
// media entry finishes processing.
type ProcessingMetadata struct{ ent.Schema }

func (ProcessingMetadata) Annotations() []schema.Annotation {
	return table("core__processing_metadata")
}

func (ProcessingMetadata) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.Int("media_entry_id").SchemaType(column.Integer),
		field.String("callback_url").SchemaType(column.Varchar).Optional().Nillable(),
	}
}

func (ProcessingMetadata) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("media_entry", MediaEntry.Type).Ref("processing_metadata").Unique().Required().Field("media_entry_id"),
	}
}

func (ProcessingMetadata) Indexes() []ent.Index {
	return []ent.Index{index.Fields("media_entry_id").StorageKey("ix_core__processing_metadata_media_entry_id")}
}
