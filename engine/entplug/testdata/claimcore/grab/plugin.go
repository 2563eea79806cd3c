// Package grab registers the test plugin grab.
package grab

import "github.com/plugmig/plugmig/engine/plugin"

func init() {
	plugin.Register(plugin.Plugin{Name: "grab", LegacyNames: []string{"core__entries"}})
}
