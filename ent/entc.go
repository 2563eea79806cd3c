//go:build ignore

// entc.go generates the ent client from the core schemas (./schema) and every
// plugin's schemas (../plugins/<name>/schema). Run it with go generate ./...
package main

import (
	"fmt"
	"os"

	"github.com/plugmig/plugmig/engine/entplug"
)

func main() {
	err := entplug.Generate(entplug.Config{
		CoreSchema: "./schema",
		PluginsDir: "../plugins",
		Composed:   "./composed",
		Target:     ".",
		Package:    "github.com/plugmig/plugmig/ent",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "go generate ./...:", err)
		os.Exit(1)
	}
}
