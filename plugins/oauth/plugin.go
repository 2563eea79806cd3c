// Package oauth is MediaGoblin's historical OAuth2 provider plugin
// (mediagoblin/plugins/oauth, removed in 2015, before Alembic): its five
// oauth__ tables, for operators whose databases still have them. It is
// registered but not enabled by default: enable it (--plugins) to adopt or
// keep its tables, or remove them with plugin remove. MediaGoblin named its
// indexes ix_<table>_<column>; the plugin claims those names.
package oauth

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
		Name:              "oauth",
		Dir:               "plugins/oauth",
		Migrations:        sub,
		DisabledByDefault: true,
		LegacyNames: []string{
			"ix_oauth__client_identifier",
			"ix_oauth__client_secret",
			"ix_oauth__codes_code",
			"ix_oauth__codes_user_id",
			"ix_oauth__refresh_tokens_token",
			"ix_oauth__tokens_token",
			"ix_oauth__tokens_user_id",
		},
	})
}
