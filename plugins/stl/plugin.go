// Package stl is MediaGoblin's stl media type: the bounding box and file type of 3D-model media entries.
package stl

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
		Name:       "stl",
		Dir:        "plugins/stl",
		Migrations: sub,
	})
}
