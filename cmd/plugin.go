package main

// PluginCmd groups the commands about one plugin.
type PluginCmd struct {
	New    PluginNewCmd    `cmd:"" help:"Scaffold plugins/<name>/: registration, a schema with an example table referencing media entries, migration folders, a conformance test."`
	Remove PluginRemoveCmd `cmd:"" help:"Drop a disabled plugin's tables (those its history created), its history and its database identity; tables with its prefix that it did not create are left, named."`
}
