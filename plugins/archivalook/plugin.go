// Package archivalook is MediaGoblin's archivalook plugin: media entries
// featured on the front page. It needs the "featurer" privilege, which it
// seeds into core__privileges the first time it is applied.
package archivalook

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
		Name:       "archivalook",
		Dir:        "plugins/archivalook",
		Migrations: sub,
		Seeds: []plugin.Seed{
			{Table: "core__privileges", Values: map[string]any{"privilege_name": "featurer"}},
		},
	})
}
