package plugins

// The ent client (package ent) is generated from core's schemas and every
// plugin's by ent/entc.go. Its directive is here, not in ent/: generation
// deletes the files of a type or plugin that is gone, and go generate ./...
// stops with an error ("open ent/<type>.go: no such file or directory") at
// a file it listed before and has not read yet. It reads this package after
// every package under ent/.
//go:generate go -C ../ent run entc.go
