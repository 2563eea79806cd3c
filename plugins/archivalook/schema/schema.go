// Package schema holds the ent schemas of the archivalook plugin.
package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	core "github.com/plugmig/plugmig/ent/schema"
	"github.com/plugmig/plugmig/ent/schema/column"
)

// FeaturedMedia is archivalook__featured_media: a media entry featured on the
// front page, in a display style and an order.
type FeaturedMedia struct{ ent.Schema }

func (FeaturedMedia) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "archivalook__featured_media"}}
}

func (FeaturedMedia) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.Int("media_entry_id").SchemaType(column.Integer),
		field.String("display_type").SchemaType(column.Varchar),
		// "order" is a reserved word: every dialect's DDL quotes it.
		field.Int("order").SchemaType(column.Integer),
	}
}

func (FeaturedMedia) Edges() []ent.Edge {
	return []ent.Edge{
		// Many featured rows may point at one media entry: the FK column stays
		// in this table, and MediaEntry.QueryArchivalookFeatured reaches them.
		edge.From("media_entry", core.MediaEntry.Type).Ref("archivalook_featured").
			Unique().Required().Field("media_entry_id"),
	}
}
