package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/plugmig/plugmig/ent/schema/column"
)

// GenericModelReference is core__generic_model_reference ("GMR"): a generic
// foreign-key target naming a row of any table by (model_type, obj_pk).
type GenericModelReference struct{ ent.Schema }

func (GenericModelReference) Annotations() []schema.Annotation {
	return table("core__generic_model_reference")
}

func (GenericModelReference) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.Int("obj_pk").SchemaType(column.Integer),
		field.String("model_type").SchemaType(column.Varchar),
	}
}

func (GenericModelReference) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("model_type", "obj_pk").Unique().StorageKey("core__generic_model_reference_model_type_obj_pk_key"),
	}
}

// Location is core__locations.
type Location struct{ ent.Schema }

func (Location) Annotations() []schema.Annotation { return table("core__locations") }

func (Location) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.String("name").SchemaType(column.Varchar).Optional().Nillable(),
		field.Text("position").Optional().Nillable().Comment("JSON"),
		field.Text("address").Optional().Nillable().Comment("JSON"),
	}
}

// Collection is core__collections: a user's named set of objects.
type Collection struct{ ent.Schema }

func (Collection) Annotations() []schema.Annotation { return table("core__collections") }

func (Collection) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.String("public_id").SchemaType(column.Varchar).Optional().Nillable(),
		field.String("title").SchemaType(column.Varchar),
		field.String("slug").SchemaType(column.Varchar).Optional().Nillable(),
		field.Time("created").SchemaType(column.Timestamp).Default(utcnow),
		field.Time("updated").SchemaType(column.Timestamp).Default(utcnow),
		field.Text("description").Optional().Nillable(),
		field.Int("actor_id").StorageKey("actor").SchemaType(column.Integer),
		field.Int("num_items").SchemaType(column.Integer).Optional().Nillable().DefaultFunc(zeroInt),
		field.String("type").SchemaType(column.Varchar),
		field.Int("location_id").StorageKey("location").SchemaType(column.Integer).Optional().Nillable(),
	}
}

func (Collection) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("actor", User.Type).Ref("collections").Unique().Required().Field("actor_id"),
		edge.To("location", Location.Type).Unique().Field("location_id").Annotations(noAction),
		edge.To("items", CollectionItem.Type),
	}
}

func (Collection) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("actor_id", "slug").Unique().StorageKey("core__collections_actor_slug_key"),
		index.Fields("public_id").Unique().StorageKey("core__collections_public_id_key"),
		index.Fields("created").StorageKey("ix_core__collections_created"),
	}
}

// CollectionItem is core__collection_items: one object in a collection.
type CollectionItem struct{ ent.Schema }

func (CollectionItem) Annotations() []schema.Annotation { return table("core__collection_items") }

func (CollectionItem) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.Int("collection_id").StorageKey("collection").SchemaType(column.Integer),
		field.Text("note").Optional().Nillable(),
		field.Time("added").SchemaType(column.Timestamp).Default(utcnow),
		field.Int("position").SchemaType(column.Integer).Optional().Nillable(),
		field.Int("object_id").SchemaType(column.Integer),
	}
}

func (CollectionItem) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("collection", Collection.Type).Ref("items").Unique().Required().Field("collection_id"),
		edge.To("object", GenericModelReference.Type).Unique().Required().Field("object_id"),
	}
}

func (CollectionItem) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("collection_id", "object_id").Unique().StorageKey("core__collection_items_collection_object_id_key"),
		index.Fields("object_id").StorageKey("ix_core__collection_items_object_id"),
	}
}

// TextComment is core__media_comments: the text of a comment.
type TextComment struct{ ent.Schema }

func (TextComment) Annotations() []schema.Annotation { return table("core__media_comments") }

func (TextComment) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.String("public_id").SchemaType(column.Varchar).Optional().Nillable(),
		field.Int("actor_id").StorageKey("actor").SchemaType(column.Integer),
		field.Time("created").SchemaType(column.Timestamp).Default(utcnow),
		field.Time("updated").SchemaType(column.Timestamp).Default(utcnow),
		field.Text("content"),
		field.Int("location_id").StorageKey("location").SchemaType(column.Integer).Optional().Nillable(),
	}
}

func (TextComment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("actor", User.Type).Unique().Required().Field("actor_id"),
		edge.To("location", Location.Type).Unique().Field("location_id").Annotations(noAction),
	}
}

func (TextComment) Indexes() []ent.Index {
	return []ent.Index{index.Fields("public_id").Unique().StorageKey("core__media_comments_public_id_key")}
}

// Comment is core__comment_links: links a comment to what it comments on,
// both by generic model reference.
type Comment struct{ ent.Schema }

func (Comment) Annotations() []schema.Annotation { return table("core__comment_links") }

func (Comment) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.Int("target_id").SchemaType(column.Integer),
		field.Int("comment_id").SchemaType(column.Integer),
		field.Time("added").SchemaType(column.Timestamp).Default(utcnow),
	}
}

func (Comment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("target", GenericModelReference.Type).Unique().Required().Field("target_id"),
		edge.To("comment", GenericModelReference.Type).Unique().Required().Field("comment_id"),
	}
}

// CommentSubscription is core__comment_subscriptions.
type CommentSubscription struct{ ent.Schema }

func (CommentSubscription) Annotations() []schema.Annotation {
	return table("core__comment_subscriptions")
}

func (CommentSubscription) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.Time("created").SchemaType(column.Timestamp).Default(utcnow),
		field.Int("media_entry_id").SchemaType(column.Integer),
		field.Int("user_id").SchemaType(column.Integer),
		field.Bool("notify").Default(true),
		field.Bool("send_email").Default(true),
	}
}

func (CommentSubscription) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("media_entry", MediaEntry.Type).Ref("comment_subscriptions").Unique().Required().Field("media_entry_id"),
		edge.To("user", User.Type).Unique().Required().Field("user_id"),
	}
}

// Notification is core__notifications.
type Notification struct{ ent.Schema }

func (Notification) Annotations() []schema.Annotation { return table("core__notifications") }

func (Notification) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.Int("object_id").SchemaType(column.Integer).Optional().Nillable(),
		field.Time("created").SchemaType(column.Timestamp).Default(utcnow),
		field.Int("user_id").SchemaType(column.Integer),
		field.Bool("seen").Optional().Nillable().Default(false),
	}
}

func (Notification) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("object", GenericModelReference.Type).Unique().Field("object_id").Annotations(noAction),
		edge.To("user", User.Type).Unique().Required().Field("user_id"),
	}
}

func (Notification) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("seen").StorageKey("ix_core__notifications_seen"),
		index.Fields("user_id").StorageKey("ix_core__notifications_user_id"),
	}
}

// Report is core__reports: a moderation report against a user or object.
type Report struct{ ent.Schema }

func (Report) Annotations() []schema.Annotation { return table("core__reports") }

func (Report) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.Int("reporter_id").SchemaType(column.Integer),
		field.Text("report_content").Optional().Nillable(),
		field.Int("reported_user_id").SchemaType(column.Integer),
		field.Time("created").SchemaType(column.Timestamp).Default(utcnow),
		field.Int("resolver_id").SchemaType(column.Integer).Optional().Nillable(),
		field.Time("resolved").SchemaType(column.Timestamp).Optional().Nillable(),
		field.Text("result").Optional().Nillable(),
		field.Int("object_id").SchemaType(column.Integer).Optional().Nillable(),
	}
}

func (Report) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("reporter", User.Type).Unique().Required().Field("reporter_id"),
		edge.To("reported_user", User.Type).Unique().Required().Field("reported_user_id"),
		edge.To("resolver", User.Type).Unique().Field("resolver_id").Annotations(noAction),
		edge.To("object", GenericModelReference.Type).Unique().Field("object_id").Annotations(noAction),
	}
}

// Generator is core__generators: the application that produced an activity.
type Generator struct{ ent.Schema }

func (Generator) Annotations() []schema.Annotation { return table("core__generators") }

func (Generator) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.String("name").SchemaType(column.Varchar),
		field.Time("published").SchemaType(column.Timestamp).Optional().Nillable().Default(utcnow),
		field.Time("updated").SchemaType(column.Timestamp).Optional().Nillable().Default(utcnow),
		field.String("object_type").SchemaType(column.Varchar),
	}
}

// Activity is core__activities: an ActivityStreams activity.
type Activity struct{ ent.Schema }

func (Activity) Annotations() []schema.Annotation { return table("core__activities") }

func (Activity) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.String("public_id").SchemaType(column.Varchar).Optional().Nillable(),
		field.Int("actor_id").StorageKey("actor").SchemaType(column.Integer),
		field.Time("published").SchemaType(column.Timestamp).Default(utcnow),
		field.Time("updated").SchemaType(column.Timestamp).Default(utcnow),
		field.String("verb").SchemaType(column.Varchar),
		field.String("content").SchemaType(column.Varchar).Optional().Nillable(),
		field.String("title").SchemaType(column.Varchar).Optional().Nillable(),
		field.Int("generator_id").StorageKey("generator").SchemaType(column.Integer).Optional().Nillable(),
		field.Int("object_id").SchemaType(column.Integer),
		field.Int("target_id").SchemaType(column.Integer).Optional().Nillable(),
	}
}

func (Activity) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("actor", User.Type).Unique().Required().Field("actor_id"),
		edge.To("generator", Generator.Type).Unique().Field("generator_id").Annotations(noAction),
		edge.To("object", GenericModelReference.Type).Unique().Required().Field("object_id"),
		edge.To("target", GenericModelReference.Type).Unique().Field("target_id").Annotations(noAction),
	}
}

func (Activity) Indexes() []ent.Index {
	return []ent.Index{index.Fields("public_id").Unique().StorageKey("core__activities_public_id_key")}
}

// Graveyard is core__graveyard: a tombstone for a deleted federated object.
type Graveyard struct{ ent.Schema }

func (Graveyard) Annotations() []schema.Annotation { return table("core__graveyard") }

func (Graveyard) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.String("public_id").SchemaType(column.Varchar).Optional().Nillable(),
		field.Time("deleted").SchemaType(column.Timestamp).Default(utcnow),
		field.String("object_type").SchemaType(column.Varchar),
		field.Int("actor_id").SchemaType(column.Integer).Optional().Nillable(),
	}
}

func (Graveyard) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("actor", GenericModelReference.Type).Unique().Field("actor_id").Annotations(noAction),
	}
}

func (Graveyard) Indexes() []ent.Index {
	return []ent.Index{index.Fields("public_id").Unique().StorageKey("core__graveyard_public_id_key")}
}
