package entplug

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"entgo.io/ent/entc/gen"
)

// ErrNameClash is wrapped by every error about two types whose generated
// code would collide: ent derives a package, files and Go names from each
// type's name, and two types with one lower-case name (OauthClient beside
// OAuthClient) share a package, so one overwrites the other.
var ErrNameClash = errors.New("generated names collide")

// builderSuffixes are the suffixes of the Go names ent generates for a type
// T beside T itself: TCreate, TQuery, TMutation, ...
var builderSuffixes = []string{
	"Create", "CreateBulk", "Update", "UpdateOne", "Delete", "DeleteOne",
	"Query", "Select", "GroupBy", "Mutation", "Client", "Edges",
	"Upsert", "UpsertOne", "UpsertBulk", "Func",
}

// generatedNames returns what ent generates from a type name, each as
// "what it is: name", the keys two types must not share.
func generatedNames(typ string) []string {
	pkg := strings.ToLower(typ)
	names := []string{
		fmt.Sprintf("the package ent/%s/ and the files ent/%s.go, ent/%s_create.go, ...", pkg, pkg, pkg),
		"the Go type " + typ,
	}
	for _, s := range builderSuffixes {
		names = append(names, "the Go type "+typ+s)
	}
	if plural, ok := gen.Funcs["plural"].(func(string) string); ok && plural(typ) != typ {
		names = append(names, "the Go type "+plural(typ))
	}
	return names
}

// checkGeneratedNames refuses every pair of types (core's and the plugins')
// whose generated package, files or Go names collide, naming both types,
// where they are declared, what collides and the fix.
func checkGeneratedNames(sources []*Source) Errors {
	type decl struct {
		src  *Source
		name string
	}
	seen := map[string]decl{}
	reported := map[[2]string]bool{}
	var errs Errors
	for _, s := range sources {
		for _, sc := range s.Schemas {
			for _, key := range generatedNames(sc.Name) {
				prev, ok := seen[key]
				if !ok {
					seen[key] = decl{s, sc.Name}
					continue
				}
				pair := [2]string{prev.name, sc.Name}
				if prev.name == sc.Name || reported[pair] {
					continue // the same name is reported by Compose
				}
				reported[pair] = true
				errs = append(errs, fmt.Errorf("%w: type %s of %s (%s) and type %s of %s (%s) both generate %s: %s",
					ErrNameClash, sc.Name, describe(s.Owner), s.Dir, prev.name, describe(prev.src.Owner), prev.src.Dir, key, renameHint(s, sc.Name, prev.src)))
			}
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errs
}

func renameHint(s *Source, name string, other *Source) string {
	switch {
	case s.Owner != "core":
		return fmt.Sprintf("rename the type in %s (its Go name only; its table keeps entsql.Annotation's name), for example to %s%s", s.Dir, goName(s.Owner), name)
	case other.Owner != "core":
		return fmt.Sprintf("rename the plugin's type in %s", other.Dir)
	}
	return "rename one of them"
}
