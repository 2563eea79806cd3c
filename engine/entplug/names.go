package entplug

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"

	"entgo.io/ent"
	"entgo.io/ent/entc/gen"
	"entgo.io/ent/entc/load"

	"github.com/plugmig/plugmig/engine/plugin"
)

// ErrNameClash is wrapped by every error about a type whose generated code
// would collide with another type's or with ent's own: ent derives a
// package, files and Go names from each type's name, and two types with one
// lower-case name (OauthClient beside OAuthClient) share a package, so one
// overwrites the other; a type named Tx collides with the client's own Tx.
var ErrNameClash = errors.New("generated names collide")

// builderSuffixes are the suffixes of the Go names ent generates in its
// package for a type T beside T itself: TCreate, TQuery, TMutation, ...
var builderSuffixes = []string{
	"Create", "CreateBulk", "Update", "UpdateOne", "Delete", "DeleteOne",
	"Query", "Select", "GroupBy", "Mutation", "Client", "Edges",
	"Upsert", "UpsertOne", "UpsertBulk",
}

// goNames returns the Go names ent declares in its package for a type T:
// T, TQuery, ..., the constant TypeT, NewTClient and the plural (a slice).
func goNames(typ string) []string {
	names := []string{typ, "Type" + typ, "New" + typ + "Client"}
	for _, s := range builderSuffixes {
		names = append(names, typ+s)
	}
	if plural, ok := gen.Funcs["plural"].(func(string) string); ok && plural(typ) != typ {
		names = append(names, plural(typ))
	}
	return names
}

// generatedNames returns what ent generates from a type name, each as
// "what it is: name", the keys two types must not share.
func generatedNames(typ string) []string {
	pkg := strings.ToLower(typ)
	keys := []string{fmt.Sprintf("the package ent/%s/ and the files ent/%s.go, ent/%s_create.go, ...", pkg, pkg, pkg)}
	for _, n := range goNames(typ) {
		keys = append(keys, "the Go name "+n)
	}
	return keys
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

// renameHint says which type to rename: s's, unless other (nil when the
// clash is with ent's own names) is a plugin's and s is core's.
func renameHint(s *Source, name string, other *Source) string {
	switch {
	case s.Owner != plugin.Core:
		return fmt.Sprintf("rename the type in %s (its Go name only; its table keeps entsql.Annotation's name), for example to %s%s", s.Dir, goName(s.Owner), name)
	case other == nil:
		return fmt.Sprintf("rename the type in %s (its Go name only; its table keeps entsql.Annotation's name)", s.Dir)
	case other.Owner != plugin.Core:
		return fmt.Sprintf("rename the plugin's type in %s", other.Dir)
	}
	return "rename one of them"
}

// schemaMethods are the methods every ent schema has (ent.Interface:
// Fields, Edges, Policy, ...). The composed package wraps a type T as
// struct{ x.T }, whose field T hides a method T, so ent's loader would
// skip a type named like one of them.
var schemaMethods = func() map[string]bool {
	t := reflect.TypeFor[ent.Interface]()
	m := map[string]bool{}
	for i := range t.NumMethod() {
		m[t.Method(i).Name] = true
	}
	return m
}()

// entFiles are the files ent writes once per graph (ent.go, tx.go,
// migrate/schema.go, ..., every feature's too, so that turning one on
// later works) by path, and their folders (migrate/), each to one of its
// files.
var entFiles = func() map[string]string {
	m := map[string]string{}
	tmpls := slices.Clone(gen.GraphTemplates)
	for _, f := range gen.AllFeatures {
		tmpls = append(tmpls, f.GraphTemplates...)
	}
	for _, t := range tmpls {
		m[t.Format] = t.Format
		if dir := filepath.Dir(t.Format); dir != "." && m[dir+"/"] == "" {
			m[dir+"/"] = t.Format
		}
	}
	return m
}()

// entIdents are the Go names ent's package ent declares whatever the
// schemas (ent v0.14.5, default features: templates base, client, tx and
// mutation), by where. ent adds a field named after each type to Client
// and Tx, so their methods and fields count too. TestEntNames checks this
// list against generated code.
var entIdents = func() map[string]string {
	m := map[string]string{}
	for _, d := range [][2]string{
		{"ent/ent.go", "AggregateFunc As Asc ConstraintError Count Desc FromContext Hook InterceptFunc Interceptor IsConstraintError IsNotFound IsNotLoaded IsNotSingular IsValidationError MaskNotFound Max Mean Min MutateFunc Mutation Mutator NewContext NewTxContext NotFoundError NotLoadedError NotSingularError Op OrderFunc Policy Querier QuerierFunc Query QueryContext Sum TraverseFunc Traverser TxFromContext ValidationError Value"},
		{"ent/client.go", "Client Debug Driver ErrTxStarted Log NewClient Open Option"},
		{"ent/tx.go", "CommitFunc CommitHook Committer RollbackFunc RollbackHook Rollbacker Tx"},
		{"ent/mutation.go", "OpCreate OpDelete OpDeleteOne OpUpdate OpUpdateOne"},
		{"ent/client.go, a method or field of Client, which gets a field per type", "BeginTx Close Debug Intercept Mutate Schema Tx Use"},
		{"ent/tx.go, a method of Tx, which gets a field per type", "Client Commit OnCommit OnRollback Rollback"},
	} {
		for _, n := range strings.Fields(d[1]) {
			if m[n] != "" {
				m[n] += "; "
			}
			m[n] += d[0]
		}
	}
	return m
}()

// entPkgNames are the names a type's package (its name in lower case)
// cannot have: Go's main and init, the packages ent's generated code
// imports (fmt, sql, ...), the names its package ent declares (config,
// selector, ...) and those its functions declare where they use a type's
// package (values := ..., ctx, err, nodes, ...), which hide the package.
// Which of the last break the client depends on the schema (P and V only
// with some fields); all are refused. TestEntNames checks this list
// against generated code.
var entPkgNames = strings.Fields(`main init
	context dialect driver ent entsql errors field fmt io json log math reflect schema sql sqlgraph sqljson strings sync time
	config hooks inters selector
	affected assign builder c columns ctx e edge edges err exists f fields fk fks grbuild i id ids
	inter k kn limit m n name neighbors nids node nodeids nodes o offset ok p predicates preds prev
	ps q qr query r s sbuild spec step t t1 tables trv u unique v value values vs w`)

// entNameClash says why ent's generated code cannot hold a type of this
// name, or "".
func entNameClash(typ string) string {
	var why []string
	if schemaMethods[typ] {
		why = append(why, fmt.Sprintf("is named like the method %s() every ent schema has: its wrapper in the composed package embeds it as a field %[1]s, which hides that method, so ent would skip the type without a word (no client, no table)", typ))
	}
	if err := gen.ValidSchemaName(typ); err != nil {
		why = append(why, "is refused by ent: "+err.Error())
	}
	t := &gen.Type{Name: typ}
	paths := []string{t.PackageDir() + "/"}
	for _, tmpl := range gen.Templates {
		paths = append(paths, tmpl.Format(t))
	}
	for _, p := range paths {
		if own := entFiles[p]; own != "" {
			why = append(why, fmt.Sprintf("would have ent write ent/%s, where ent writes its own ent/%s", p, own))
			break
		}
	}
	for _, n := range goNames(typ) {
		if where := entIdents[n]; where != "" {
			why = append(why, fmt.Sprintf("generates the Go name %s, which ent's own code already declares (%s)", n, where))
			break
		}
	}
	if slices.Contains(entPkgNames, t.PackageDir()) {
		why = append(why, fmt.Sprintf("gets the package ent/%s/, a name ent's generated code already uses (an import, a variable where it uses the package, or a name of package ent), so the client does not build", t.PackageDir()))
	}
	return strings.Join(why, "; it ")
}

// checkEntNames refuses every type whose name ent's own generated code
// already uses, naming the type, where it is declared, what its name
// collides with and the fix.
func checkEntNames(sources []*Source) Errors {
	var errs Errors
	for _, s := range sources {
		for _, sc := range s.Schemas {
			if why := entNameClash(sc.Name); why != "" {
				errs = append(errs, refuseName(s, sc, why))
			}
		}
	}
	return errs
}

// checkTargetFiles refuses every type whose generated code ent would write
// over code in the client folder it does not generate: the composed and
// core schema folders, the generator (entc.go), ...
func checkTargetFiles(cfg Config, sources []*Source) Errors {
	var errs Errors
	for _, s := range sources {
		for _, sc := range s.Schemas {
			if p := foreignCode(cfg, sc.Name); p != "" {
				errs = append(errs, refuseName(s, sc, fmt.Sprintf("would have ent write its code over %s, which ent does not generate", p)))
			}
		}
	}
	return errs
}

// foreignCode returns the folder ent would write a type's package to, or a
// file ent would write for it, when that holds code ent does not generate.
func foreignCode(cfg Config, typ string) string {
	t := &gen.Type{Name: typ}
	dir := filepath.Join(cfg.Target, t.PackageDir())
	if dir == filepath.Clean(cfg.Composed) || dir == filepath.Clean(cfg.CoreSchema) {
		return dir
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, tmpl := range gen.Templates {
		paths = append(paths, filepath.Join(cfg.Target, tmpl.Format(t)))
	}
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil && !bytes.HasPrefix(b, []byte("// Code generated by ent, DO NOT EDIT.")) {
			return p
		}
	}
	return ""
}

// refuseName is the error for a type whose name ent cannot use, why.
func refuseName(s *Source, sc *load.Schema, why string) error {
	at := s.Dir
	if sc.Pos != "" {
		at = filepath.Join(s.Dir, filepath.Base(sc.Pos)) // file.go:line
	}
	return fmt.Errorf("%w: type %s of %s (%s) %s: %s", ErrNameClash, sc.Name, describe(s.Owner), at, why, renameHint(s, sc.Name, nil))
}
