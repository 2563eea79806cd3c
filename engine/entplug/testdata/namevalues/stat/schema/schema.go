// Package schema is a plugin whose type Values gets the package ent/values/, hidden by ent's
// local variable values, so go build fails.
package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

type Values struct{ ent.Schema }

func (Values) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "stat__values"}}
}

func (Values) Fields() []ent.Field { return []ent.Field{field.String("value")} }
