// Package openid is MediaGoblin's openid plugin: log in with an OpenID. It
// keeps the OpenID URLs of each user, and the associations and nonces of
// the OpenID consumer library (python-openid's SQL store).
package openid

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
		Name:       "openid",
		Dir:        "plugins/openid",
		Migrations: sub,
	})
}
