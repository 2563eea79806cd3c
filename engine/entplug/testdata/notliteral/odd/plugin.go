// Package odd registers its legacy names from a variable.
package odd

import "github.com/plugmig/plugmig/engine/plugin"

var names = []string{"odd_rows"}

func init() {
	plugin.Register(plugin.Plugin{Name: "odd", LegacyNames: names})
}
