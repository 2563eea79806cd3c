// Package second registers the test plugin second.
package second

import "github.com/plugmig/plugmig/engine/plugin"

func init() {
	plugin.Register(plugin.Plugin{Name: "second", LegacyNames: []string{"shared_rows"}})
}
