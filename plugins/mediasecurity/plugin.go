// Package mediasecurity is the example plugin of MediaGoblin's plugin-writer
// guide: a security rating for each media entry, in its own table.
package mediasecurity

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
		Name:       "mediasecurity",
		Dir:        "plugins/mediasecurity",
		Migrations: sub,
	})
}
