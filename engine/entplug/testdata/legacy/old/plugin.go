// Package old registers the test plugin old.
package old

import "github.com/plugmig/plugmig/engine/plugin"

func init() {
	plugin.Register(plugin.Plugin{Name: "old", LegacyNames: []string{"old_rows", "ix_old_rows_value"}})
}
