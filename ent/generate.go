// Package ent is the generated ent client of the application: the core
// entities and every plugin's, in one graph (see entc.go and package entplug).
package ent

//go:generate go run entc.go
