// Package ent is the generated ent client of the application: the core
// entities and every plugin's, in one graph (see entc.go and package entplug).
// go generate ./... regenerates it; the directive is in package plugins
// (plugins/generate.go), which go generate reaches after every package
// under ent/.
package ent
