// Package ascii is MediaGoblin's ascii media type: one row per ASCII-art media entry.
package ascii

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
		Name:       "ascii",
		Dir:        "plugins/ascii",
		Migrations: sub,
	})
}
