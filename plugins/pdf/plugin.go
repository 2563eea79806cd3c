// Package pdf is MediaGoblin's pdf media type: the page count and document properties of PDF media entries.
package pdf

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
		Name:       "pdf",
		Dir:        "plugins/pdf",
		Migrations: sub,
	})
}
