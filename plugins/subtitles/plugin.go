// Package subtitles is MediaGoblin's subtitles plugin: subtitle files of
// media entries. MediaGoblin keeps them in core__subtitle_files, a table
// with core's prefix whose migration sits in core's folder, so every
// MediaGoblin database has it; here the plugin owns it, by claiming the
// name in LegacyNames, and core's history never touches it.
package subtitles

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
		Name:       "subtitles",
		Dir:        "plugins/subtitles",
		Migrations: sub,
		LegacyNames: []string{
			"core__subtitle_files",
			"core__subtitle_files_pkey",
			"core__subtitle_files_id_seq",
			"core__subtitle_files_media_entry_fkey",
		},
	})
}
