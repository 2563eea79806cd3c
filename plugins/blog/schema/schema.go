// Package schema holds the ent schemas of the blog media type.
package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/plugmig/plugmig/engine/plugin"
	core "github.com/plugmig/plugmig/ent/schema"
	"github.com/plugmig/plugmig/ent/schema/column"
)

// Blog is mediatype__blogs: a user's blog.
type Blog struct{ ent.Schema }

// Annotations keeps MediaGoblin's table name, claimed in LegacyNames.
func (Blog) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "mediatype__blogs"}}
}

// Fields of a blog.
func (Blog) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.String("title").SchemaType(column.Varchar).Optional().Nillable(),
		field.Text("description").Optional().Nillable(),
		field.Int("author_id").StorageKey("author").SchemaType(column.Integer),
		// MediaGoblin's default is datetime.now: local time, unlike the
		// UTC of core's timestamps.
		field.Time("created").SchemaType(column.Timestamp).Default(time.Now),
		field.String("slug").SchemaType(column.Varchar).Optional().Nillable(),
	}
}

// Edges of a blog: its author (User.QueryBlogs reaches the blogs back) and
// its posts.
func (Blog) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("author", core.User.Type).Ref("blogs").Unique().Required().Field("author_id"),
		edge.To("posts", BlogPostData.Type),
	}
}

// Indexes keep MediaGoblin's ix_<table>_<column> names, claimed in
// LegacyNames.
func (Blog) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("author_id").StorageKey("ix_mediatype__blogs_author"),
		index.Fields("created").StorageKey("ix_mediatype__blogs_created"),
	}
}

// BlogPostData is blogpost__mediadata: the media entry that is a post of
// a blog, keyed by the media entry.
type BlogPostData struct{ ent.Schema }

// Annotations keeps MediaGoblin's table name, claimed in LegacyNames.
func (BlogPostData) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "blogpost__mediadata"}}
}

// Fields of a post.
func (BlogPostData) Fields() []ent.Field {
	off := false
	return []ent.Field{
		field.Int("id").StorageKey("media_entry").SchemaType(column.Integer).
			Annotations(entsql.Annotation{Incremental: &off}),
		field.Int("blog_id").StorageKey("blog").SchemaType(column.Integer),
	}
}

// Edges of a post: its media entry (MediaEntry.QueryBlogPostData) and its
// blog (Blog.QueryPosts).
func (BlogPostData) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("media_entry", core.MediaEntry.Type).Ref("blog_post_data").
			Unique().Required().Annotations(plugin.SharedKey{}),
		edge.From("blog", Blog.Type).Ref("posts").Unique().Required().Field("blog_id"),
	}
}
