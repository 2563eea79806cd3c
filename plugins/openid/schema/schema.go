// Package schema holds the ent schemas of the openid plugin
// (MediaGoblin's mediagoblin/plugins/openid/models.py).
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

// OpenIDUserURL is openid__user_urls: an OpenID URL a user logs in with.
// user.QueryOpenidUrls() reaches a user's URLs.
type OpenIDUserURL struct{ ent.Schema }

func (OpenIDUserURL) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "openid__user_urls"}}
}

func (OpenIDUserURL) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.String("openid_url").SchemaType(column.Varchar),
		field.Int("user_id").SchemaType(column.Integer),
	}
}

func (OpenIDUserURL) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", core.User.Type).Ref("openid_urls").
			Unique().Required().Field("user_id"),
	}
}

// OpenIDAssociation is openid__association: an association with an OpenID
// server, keyed by (server_url, handle). ent takes server_url for the id;
// the composite key is declared with plugin.PrimaryKey, so look rows up by
// both columns (openidassociation.ID(url), openidassociation.Handle(h)),
// never by Get or UpdateOneID alone.
type OpenIDAssociation struct{ ent.Schema }

func (OpenIDAssociation) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{Table: "openid__association"},
		plugin.PrimaryKey{Columns: []string{"server_url", "handle"}},
	}
}

func (OpenIDAssociation) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").StorageKey("server_url").SchemaType(column.Varchar),
		field.String("handle").SchemaType(column.Varchar),
		field.String("secret").SchemaType(column.Varchar).Optional().Nillable(),
		field.Int("issued").SchemaType(column.Integer).Optional().Nillable(),
		field.Int("lifetime").SchemaType(column.Integer).Optional().Nillable(),
		field.String("assoc_type").SchemaType(column.Varchar).Optional().Nillable(),
	}
}

// OpenIDNonce is openid__nonce: a nonce an OpenID server used, keyed by
// (server_url, timestamp, salt), declared with plugin.PrimaryKey like
// OpenIDAssociation's key.
type OpenIDNonce struct{ ent.Schema }

func (OpenIDNonce) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{Table: "openid__nonce"},
		plugin.PrimaryKey{Columns: []string{"server_url", "timestamp", "salt"}},
	}
}

func (OpenIDNonce) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").StorageKey("server_url").SchemaType(column.Varchar),
		field.Int("timestamp").SchemaType(column.Integer),
		field.String("salt").SchemaType(column.Varchar),
	}
}
