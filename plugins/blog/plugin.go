// Package blog is MediaGoblin's blog media type: blogs, and the media
// entries that are their posts. Its tables keep the names every MediaGoblin
// database already has, mediatype__blogs and blogpost__mediadata, which do
// not start with the plugin's prefix (blog__): the plugin claims them, and
// the names of their keys, sequences and indexes, in LegacyNames.
package blog

import (
	"embed"
	"io/fs"

	"github.com/plugmig/plugmig/engine/plugin"
)

//go:embed all:migrations
var migrations embed.FS

func init() {
	sub, _ := fs.Sub(migrations, "migrations")
	plugin.Register(plugin.Plugin{
		Name:       "blog",
		Dir:        "plugins/blog",
		Migrations: sub,
		// Exact names, each the plugin's alone: the tables, and what
		// their keys, sequences, foreign keys and indexes are named
		// (composing lists any that is missing).
		LegacyNames: []string{
			"mediatype__blogs",
			"mediatype__blogs_pkey",
			"mediatype__blogs_id_seq",
			"mediatype__blogs_author_fkey",
			"ix_mediatype__blogs_author",
			"ix_mediatype__blogs_created",
			"blogpost__mediadata",
			"blogpost__mediadata_pkey",
			"blogpost__mediadata_blog_fkey",
			"blogpost__mediadata_media_entry_fkey",
		},
	})
}
