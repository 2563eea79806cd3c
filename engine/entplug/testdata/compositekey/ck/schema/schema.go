package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	"github.com/plugmig/plugmig/engine/plugin"
)

type Pair struct{ ent.Schema }

func (Pair) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{Table: "ck__pairs"},
		plugin.PrimaryKey{Columns: []string{"server", "handle"}},
	}
}

func (Pair) Fields() []ent.Field {
	return []ent.Field{field.String("id").StorageKey("server"), field.String("handle"), field.Int("n").Optional()}
}
