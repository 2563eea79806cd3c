// Package blog is MediaGoblin's blog media type: blogs, and the media
// entries that are their posts. Its tables keep the names every MediaGoblin
// database already has, mediatype__blogs and blogpost__mediadata, which do
// not start with the plugin's prefix (blog__): the plugin claims them, and
// the names of their indexes, in LegacyNames.
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
		// Tables claim the names derived from them too: their primary
		// keys, foreign keys and sequences (mediatype__blogs_pkey,
		// blogpost__mediadata_blog_fkey, ...).
		LegacyNames: []string{
			"mediatype__blogs",
			"blogpost__mediadata",
			"ix_mediatype__blogs_author",
			"ix_mediatype__blogs_created",
		},
	})
}
