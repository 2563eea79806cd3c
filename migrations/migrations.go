// Package migrations holds the core branch's migration folders, one per
// dialect (sqlite/, postgres/, mysql/), embedded for apply.
package migrations

import "embed"

// FS is the core migrations folder.
//
//go:embed all:sqlite all:postgres all:mysql
var FS embed.FS

// Dir is the core migrations folder relative to the module root.
const Dir = "migrations"
