// Package first registers the test plugin first.
package first

import "github.com/plugmig/plugmig/engine/plugin"

func init() {
	plugin.Register(plugin.Plugin{Name: "first", LegacyNames: []string{"shared_rows"}})
}
