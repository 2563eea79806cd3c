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
