// Package image is MediaGoblin's image media type: the width, height and
// EXIF data of image media entries.
package image

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
		Name:       "image",
		Dir:        "plugins/image",
		Migrations: sub,
	})
}
