// Package video is MediaGoblin's video media type: the size and original metadata of video media entries.
package video

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
		Name:       "video",
		Dir:        "plugins/video",
		Migrations: sub,
	})
}
