// Package schema is a plugin whose type Policy is named like a method of ent.Schema that ent
// also reserves: its wrapper hides the method, and ent skips the type silently.
package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

type Policy struct{ ent.Schema }

func (Policy) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "acl__policies"}}
}

func (Policy) Fields() []ent.Field { return []ent.Field{field.String("value")} }
