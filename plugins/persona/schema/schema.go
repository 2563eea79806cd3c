// Package schema holds the ent schemas of the persona plugin
// (MediaGoblin v0.10's mediagoblin/plugins/persona/models.py).
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

// PersonaUserEmail is persona__user_emails: an e-mail address a user logged
// in with through Mozilla Persona. user.QueryPersonaEmails() reaches them.
type PersonaUserEmail struct{ ent.Schema }

func (PersonaUserEmail) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "persona__user_emails"}}
}

func (PersonaUserEmail) Fields() []ent.Field {
	return []ent.Field{
		field.Int("id").SchemaType(column.Integer),
		field.String("persona_email").SchemaType(column.Varchar),
		field.Int("user_id").SchemaType(column.Integer),
	}
}

func (PersonaUserEmail) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", core.User.Type).Ref("persona_emails").
			Unique().Required().Field("user_id"),
	}
}
