// Package schema holds the ent schemas of the mediasecurity plugin, the
// example of MediaGoblin's plugin-writer guide.
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

// MediaSecurity is mediasecurity__media_security: a security rating per media
// entry. Its primary key is the media entry's id (the key is the foreign key),
// and MediaEntry.QuerySecurityRating reaches it from core.
type MediaSecurity struct{ ent.Schema }

func (MediaSecurity) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "mediasecurity__media_security"}}
}

func (MediaSecurity) Fields() []ent.Field {
	off := false
	return []ent.Field{
		// The key is the media entry's id: no sequence of its own.
		field.Int("id").StorageKey("media_entry").SchemaType(column.Integer).
			Annotations(entsql.Annotation{Incremental: &off}),
		field.String("rating").SchemaType(column.Varchar).Optional().Nillable(),
	}
}

func (MediaSecurity) Edges() []ent.Edge {
	return []ent.Edge{
		// Ref names the back-reference the code generator adds to the core
		// MediaEntry type: entry.QuerySecurityRating().
		edge.From("media_entry", core.MediaEntry.Type).Ref("security_rating").
			Unique().Required().Annotations(plugin.SharedKey{}),
	}
}
