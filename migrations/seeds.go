package migrations

import "github.com/plugmig/plugmig/engine/plugin"

// Privileges are MediaGoblin's foundation rows (mediagoblin/db/models.py,
// FOUNDATIONS): the privileges its code grants and checks. Core registers
// them the way a plugin registers its seeds, so apply inserts each one that
// is missing, on a fresh database and on an adopted one.
var Privileges = []string{"admin", "moderator", "uploader", "reporter", "commenter", "active"}

func init() {
	for _, p := range Privileges {
		plugin.RegisterCoreSeeds(plugin.Seed{Table: "core__privileges", Values: map[string]any{"privilege_name": p}})
	}
}
