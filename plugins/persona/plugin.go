// Package persona is MediaGoblin's persona plugin (log in with Mozilla
// Persona), removed from MediaGoblin in 2021: the e-mail addresses each
// user logged in with. It is registered but off by default
// (DisabledByDefault): a fresh database does not get its table, while an
// operator whose database still has it can name it in --plugins to enable
// it, adopt it, or drop it with go run ./cmd plugin remove persona.
package persona

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
		Name:              "persona",
		Dir:               "plugins/persona",
		Migrations:        sub,
		DisabledByDefault: true,
	})
}
