// Package schema holds the ent schemas of MediaGoblin's historical OAuth2
// plugin (mediagoblin/plugins/oauth/models.py at 247c987c^).
package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	core "github.com/plugmig/plugmig/ent/schema"
	"github.com/plugmig/plugmig/ent/schema/column"
)

// Oauth2Client is oauth__client: an application registered to use the
// OAuth2 provider.
type Oauth2Client struct{ ent.Schema }

// Annotations names the table.
func (Oauth2Client) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "oauth__client"}}
}

// Fields of a client. type is MediaGoblin's Enum('confidential', 'public'),
// enforced by the database on every dialect.
func (Oauth2Client) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.Time("created").SchemaType(column.Timestamp).Default(time.Now),
		field.String("name").SchemaType(column.Varchar).Optional().Nillable(),
		field.String("description").SchemaType(column.Varchar).Optional().Nillable(),
		field.String("identifier").SchemaType(column.Varchar).Optional().Nillable(),
		field.String("secret").SchemaType(column.Varchar).Optional().Nillable(),
		field.Int("owner_id").SchemaType(column.Integer).Optional().Nillable(),
		field.String("redirect_uri").SchemaType(column.Varchar).Optional().Nillable(),
		field.Enum("type").Values("confidential", "public").Optional().Nillable(),
	}
}

// Edges of a client.
func (Oauth2Client) Edges() []ent.Edge {
	return []ent.Edge{
		// Optional foreign keys keep MediaGoblin's NO ACTION: ent sets it
		// on an edge.To, so these reach core without a back-reference.
		edge.To("owner", core.User.Type).Unique().Field("owner_id").Annotations(noAction),
		edge.To("tokens", Oauth2Token.Type),
		edge.To("refresh_tokens", Oauth2RefreshToken.Type),
		edge.To("codes", Oauth2Code.Type),
	}
}

// Indexes keep MediaGoblin's names, claimed in LegacyNames.
func (Oauth2Client) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("identifier").Unique().StorageKey("ix_oauth__client_identifier"),
		index.Fields("secret").StorageKey("ix_oauth__client_secret"),
	}
}

// Oauth2UserClient is oauth__user_client: a user's decision about a client.
type Oauth2UserClient struct{ ent.Schema }

// Annotations names the table.
func (Oauth2UserClient) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "oauth__user_client"}}
}

// Fields of a relation. state is MediaGoblin's Enum('approved', 'rejected').
func (Oauth2UserClient) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.Int("user_id").SchemaType(column.Integer).Optional().Nillable(),
		field.Int("client_id").SchemaType(column.Integer).Optional().Nillable(),
		field.Enum("state").Values("approved", "rejected").Optional().Nillable(),
	}
}

// Edges of a relation.
func (Oauth2UserClient) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user", core.User.Type).Unique().Field("user_id").Annotations(noAction),
		edge.To("client", Oauth2Client.Type).Unique().Field("client_id").Annotations(noAction),
	}
}

// Oauth2Token is oauth__tokens: an access token.
type Oauth2Token struct{ ent.Schema }

// Annotations names the table.
func (Oauth2Token) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "oauth__tokens"}}
}

// Fields of a token; it expires 30 days after it is created.
func (Oauth2Token) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.Time("created").SchemaType(column.Timestamp).Default(time.Now),
		field.Time("expires").SchemaType(column.Timestamp).Default(func() time.Time { return time.Now().Add(30 * 24 * time.Hour) }),
		field.String("token").SchemaType(column.Varchar).Optional().Nillable(),
		field.Int("user_id").SchemaType(column.Integer),
		field.Int("client_id").SchemaType(column.Integer),
	}
}

// Edges of a token.
func (Oauth2Token) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", core.User.Type).Ref("oauth2_tokens").Unique().Required().Field("user_id"),
		edge.From("client", Oauth2Client.Type).Ref("tokens").Unique().Required().Field("client_id"),
	}
}

// Indexes keep MediaGoblin's names, claimed in LegacyNames.
func (Oauth2Token) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("token").StorageKey("ix_oauth__tokens_token"),
		index.Fields("user_id").StorageKey("ix_oauth__tokens_user_id"),
	}
}

// Oauth2RefreshToken is oauth__refresh_tokens: a refresh token.
type Oauth2RefreshToken struct{ ent.Schema }

// Annotations names the table.
func (Oauth2RefreshToken) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "oauth__refresh_tokens"}}
}

// Fields of a refresh token.
func (Oauth2RefreshToken) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.Time("created").SchemaType(column.Timestamp).Default(time.Now),
		field.String("token").SchemaType(column.Varchar).Optional().Nillable(),
		field.Int("user_id").SchemaType(column.Integer),
		field.Int("client_id").SchemaType(column.Integer),
	}
}

// Edges of a refresh token.
func (Oauth2RefreshToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", core.User.Type).Ref("oauth2_refresh_tokens").Unique().Required().Field("user_id"),
		edge.From("client", Oauth2Client.Type).Ref("refresh_tokens").Unique().Required().Field("client_id"),
	}
}

// Indexes keep MediaGoblin's names, claimed in LegacyNames.
func (Oauth2RefreshToken) Indexes() []ent.Index {
	return []ent.Index{index.Fields("token").StorageKey("ix_oauth__refresh_tokens_token")}
}

// Oauth2Code is oauth__codes: an authorization code; it expires five
// minutes after it is created.
type Oauth2Code struct{ ent.Schema }

// Annotations names the table.
func (Oauth2Code) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "oauth__codes"}}
}

// Fields of a code.
func (Oauth2Code) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.Time("created").SchemaType(column.Timestamp).Default(time.Now),
		field.Time("expires").SchemaType(column.Timestamp).Default(func() time.Time { return time.Now().Add(5 * time.Minute) }),
		field.String("code").SchemaType(column.Varchar).Optional().Nillable(),
		field.Int("user_id").SchemaType(column.Integer),
		field.Int("client_id").SchemaType(column.Integer),
	}
}

// Edges of a code.
func (Oauth2Code) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", core.User.Type).Ref("oauth2_codes").Unique().Required().Field("user_id"),
		edge.From("client", Oauth2Client.Type).Ref("codes").Unique().Required().Field("client_id"),
	}
}

// Indexes keep MediaGoblin's names, claimed in LegacyNames.
func (Oauth2Code) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("code").StorageKey("ix_oauth__codes_code"),
		index.Fields("user_id").StorageKey("ix_oauth__codes_user_id"),
	}
}

// noAction keeps an optional foreign key's ON DELETE as MediaGoblin has it
// (no action); ent would otherwise make it SET NULL.
var noAction = entsql.OnDelete(entsql.NoAction)
