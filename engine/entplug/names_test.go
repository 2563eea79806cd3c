package entplug

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"entgo.io/ent/entc/load"
	"github.com/stretchr/testify/require"
)

// TestEntNames checks entIdents and entPkgNames against the code ent
// generates for the good fixture: the exported names of package ent no type
// generates and the methods and fields of Client and Tx are entIdents; the
// imports of every generated file, the lower-case names of package ent and
// the names its functions declare where they use a type's package are all
// in entPkgNames.
func TestEntNames(t *testing.T) {
	target := t.TempDir()
	composed := filepath.Join("testdata", "good", "composed")
	t.Cleanup(func() { os.RemoveAll(composed) })
	const pkg = "example.com/app/ent"
	_, g, err := Build(Config{CoreSchema: "testdata/core", PluginsDir: "testdata/good", Composed: composed, Target: target, Package: pkg})
	require.NoError(t, err)
	require.NoError(t, g.Gen())
	typeNames := map[string]bool{}
	for _, n := range g.Nodes {
		for _, name := range goNames(n.Name) {
			typeNames[name] = true
		}
	}
	idents, pkgNames := map[string]bool{}, map[string]bool{}
	lower := func(id *ast.Ident) {
		if id != nil && id.Name == strings.ToLower(id.Name) && !strings.HasPrefix(id.Name, "_") {
			pkgNames[id.Name] = true
		}
	}
	fset := token.NewFileSet()
	require.NoError(t, filepath.WalkDir(target, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".go" {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		typePkgs := map[string]bool{}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			name := filepath.Base(p)
			if im.Name != nil {
				name = im.Name.Name
			}
			if strings.HasPrefix(p, pkg+"/") {
				typePkgs[name] = true // a type's package, or predicate, hook, ...: entFiles
			} else {
				lower(ast.NewIdent(name))
			}
		}
		if filepath.Dir(path) != target {
			return nil
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						lower(s.Name)
						if st, ok := s.Type.(*ast.StructType); ok && (s.Name.Name == "Client" || s.Name.Name == "Tx") {
							for _, f := range st.Fields.List {
								for _, n := range f.Names {
									idents[n.Name] = true
								}
							}
						}
						idents[s.Name.Name] = true
					case *ast.ValueSpec:
						for _, n := range s.Names {
							lower(n)
							idents[n.Name] = true
						}
					}
				}
			case *ast.FuncDecl:
				if d.Recv == nil {
					lower(d.Name)
					idents[d.Name.Name] = true
				} else if recv := recvName(d.Recv); recv == "Client" || recv == "Tx" {
					idents[d.Name.Name] = true
				}
				usesType := false
				ast.Inspect(d, func(n ast.Node) bool {
					if s, ok := n.(*ast.SelectorExpr); ok {
						if id, ok := s.X.(*ast.Ident); ok && typePkgs[id.Name] {
							usesType = true
						}
					}
					return !usesType
				})
				if usesType {
					ast.Inspect(d, func(n ast.Node) bool {
						switch n := n.(type) {
						case *ast.Field:
							for _, id := range n.Names {
								lower(id)
							}
						case *ast.ValueSpec:
							for _, id := range n.Names {
								lower(id)
							}
						case *ast.AssignStmt:
							for _, l := range n.Lhs {
								if id, ok := l.(*ast.Ident); ok && n.Tok == token.DEFINE {
									lower(id)
								}
							}
						case *ast.RangeStmt:
							for _, e := range []ast.Expr{n.Key, n.Value} {
								if id, ok := e.(*ast.Ident); ok && n.Tok == token.DEFINE {
									lower(id)
								}
							}
						}
						return true
					})
				}
			}
		}
		return nil
	}))
	var fixed, unlisted []string
	for n := range idents {
		if ast.IsExported(n) && !typeNames[n] {
			fixed = append(fixed, n)
		}
	}
	for n := range pkgNames {
		if !slices.Contains(entPkgNames, n) {
			unlisted = append(unlisted, n)
		}
	}
	var listed []string
	for n := range entIdents {
		listed = append(listed, n)
	}
	require.ElementsMatch(t, listed, fixed, "entIdents")
	require.Empty(t, unlisted, "names missing in entPkgNames")
}

// recvName returns the name of a method's receiver type.
func recvName(recv *ast.FieldList) string {
	e := recv.List[0].Type
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// TestEntNameClash: a core type is refused like a plugin's, and names ent's
// code does not use are not.
func TestEntNameClash(t *testing.T) {
	core := &Source{Owner: "core", Dir: "testdata/core", Schemas: []*load.Schema{{Name: "Tx", Pos: "/abs/testdata/core/core.go:9"}}}
	errs := checkEntNames([]*Source{core})
	require.Len(t, errs, 1)
	require.ErrorIs(t, errs[0], ErrNameClash)
	require.ErrorContains(t, errs[0], `type Tx of core (testdata/core/core.go:9) would have ent write ent/tx.go`)
	require.ErrorContains(t, errs[0], `: rename the type in testdata/core (its Go name only; its table keeps entsql.Annotation's name)`)
	for _, ok := range []string{"Entry", "MediaEntry", "Aggregate", "Order", "Traverse", "Noder", "Transaction", "Widgets"} {
		require.Empty(t, entNameClash(ok), ok)
	}
}
