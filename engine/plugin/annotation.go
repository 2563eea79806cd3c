package plugin

// SharedKeyAnnotation is the name under which SharedKey appears in ent's
// loaded schema (load.Edge.Annotations).
const SharedKeyAnnotation = "PluginSharedKey"

// SharedKey is an ent edge annotation for a plugin's back-reference to a core
// entity whose foreign key is the plugin table's own primary key (a
// one-to-one "extension" row, like image__mediadata.media_entry):
//
//	edge.From("media_entry", core.MediaEntry.Type).Ref("image_data").
//		Unique().Required().Annotations(plugin.SharedKey{})
//
// The code generator then places the foreign key on the primary-key column.
type SharedKey struct{}

// Name implements ent's schema.Annotation.
func (SharedKey) Name() string { return SharedKeyAnnotation }

// PrimaryKeyAnnotation is the name under which PrimaryKey appears in ent's
// loaded schema (load.Schema.Annotations).
const PrimaryKeyAnnotation = "PluginPrimaryKey"

// PrimaryKey is an ent schema annotation for a table whose primary key
// spans several columns, which ent allows only on edge schemas (a join of
// two entities). The schema's id field is the key's first column, named
// with StorageKey; Columns lists every column of the key, in order:
//
//	func (Association) Fields() []ent.Field {
//		return []ent.Field{
//			field.String("id").StorageKey("server_url"),
//			field.String("handle"),
//			...
//		}
//	}
//	func (Association) Annotations() []schema.Annotation {
//		return []schema.Annotation{
//			entsql.Annotation{Table: "openid__association"},
//			plugin.PrimaryKey{Columns: []string{"server_url", "handle"}},
//		}
//	}
//
// go generate ./... sets that key on the table in the generated
// migrate.Tables, so every branch, migration, drift check and adoption
// sees the composite key. The generated ent client still takes the id
// column for the entity's identity: Get, UpdateOneID and DeleteOneID match
// every row with that first column. Query, update and delete such rows
// with predicates on every key column instead.
type PrimaryKey struct {
	Columns []string
}

// Name implements ent's schema.Annotation.
func (PrimaryKey) Name() string { return PrimaryKeyAnnotation }
