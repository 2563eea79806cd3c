package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"github.com/plugmig/plugmig/ent/schema/column"
)

// OAuthClient is core__clients (ent reserves the name Client): an OAuth 1 client, keyed by its string id.
type OAuthClient struct{ ent.Schema }

func (OAuthClient) Annotations() []schema.Annotation { return table("core__clients") }

func (OAuthClient) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").SchemaType(column.Varchar),
		field.String("secret").SchemaType(column.Varchar),
		field.Time("expirey").SchemaType(column.Timestamp).Optional().Nillable(),
		field.String("application_type").SchemaType(column.Varchar),
		field.Time("created").SchemaType(column.Timestamp).Default(utcnow),
		field.Time("updated").SchemaType(column.Timestamp).Default(utcnow),
		field.Text("redirect_uri").Optional().Nillable().Comment("JSON"),
		field.String("logo_url").SchemaType(column.Varchar).Optional().Nillable(),
		field.String("application_name").SchemaType(column.Varchar).Optional().Nillable(),
		field.Text("contacts").Optional().Nillable().Comment("JSON"),
	}
}

// RequestToken is core__request_tokens: an OAuth 1 request token.
type RequestToken struct{ ent.Schema }

func (RequestToken) Annotations() []schema.Annotation { return table("core__request_tokens") }

func (RequestToken) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").StorageKey("token").SchemaType(column.Varchar),
		field.String("secret").SchemaType(column.Varchar),
		field.String("client_id").StorageKey("client").SchemaType(column.Varchar).Optional().Nillable(),
		field.Int("actor_id").StorageKey("actor").SchemaType(column.Integer).Optional().Nillable(),
		field.Bool("used").Optional().Nillable().Default(false),
		field.Bool("authenticated").Optional().Nillable().Default(false),
		field.String("verifier").SchemaType(column.Varchar).Optional().Nillable(),
		field.String("callback").SchemaType(column.Varchar).DefaultFunc(func() string { return "oob" }),
		field.Time("created").SchemaType(column.Timestamp).Default(utcnow),
		field.Time("updated").SchemaType(column.Timestamp).Default(utcnow),
	}
}

func (RequestToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("client", OAuthClient.Type).Unique().Field("client_id").Annotations(noAction),
		edge.To("actor", User.Type).Unique().Field("actor_id").Annotations(noAction),
	}
}

// AccessToken is core__access_tokens: an OAuth 1 access token.
type AccessToken struct{ ent.Schema }

func (AccessToken) Annotations() []schema.Annotation { return table("core__access_tokens") }

func (AccessToken) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").StorageKey("token").SchemaType(column.Varchar),
		field.String("secret").SchemaType(column.Varchar),
		field.Int("actor_id").StorageKey("actor").SchemaType(column.Integer).Optional().Nillable(),
		field.String("request_token_id").StorageKey("request_token").SchemaType(column.Varchar).Optional().Nillable(),
		field.Time("created").SchemaType(column.Timestamp).Default(utcnow),
		field.Time("updated").SchemaType(column.Timestamp).Default(utcnow),
	}
}

func (AccessToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("actor", User.Type).Unique().Field("actor_id").Annotations(noAction),
		edge.To("request_token", RequestToken.Type).Unique().Field("request_token_id").Annotations(noAction),
	}
}

// NonceTimestamp is core__nonce_timestamps: OAuth 1 nonces already seen.
// Deviation: the primary key is (nonce), not (nonce, timestamp); ent allows
// composite keys only on edge schemas. See docs/ent-deviations.md.
type NonceTimestamp struct{ ent.Schema }

func (NonceTimestamp) Annotations() []schema.Annotation { return table("core__nonce_timestamps") }

func (NonceTimestamp) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").StorageKey("nonce").SchemaType(column.Varchar),
		field.Time("timestamp").SchemaType(column.Timestamp),
	}
}

// MigrationData is core__migrations, the legacy sqlalchemy-migrate
// bookkeeping table that MediaGoblin's initial Alembic revision still creates.
type MigrationData struct{ ent.Schema }

func (MigrationData) Annotations() []schema.Annotation { return table("core__migrations") }

func (MigrationData) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").StorageKey("name").SchemaType(column.Varchar),
		field.Int("version").SchemaType(column.Integer).DefaultFunc(zeroInt),
	}
}
