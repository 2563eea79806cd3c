// Package audio is MediaGoblin's audio media type: one row per audio media entry.
package audio

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
		Name:       "audio",
		Dir:        "plugins/audio",
		Migrations: sub,
	})
}
