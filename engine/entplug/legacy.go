package entplug

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/plugmig/plugmig/engine/plugin"
)

// ErrClaim is wrapped by every error about a legacy name that is not one
// owner's alone (plugin.Plugin.LegacyNames).
var ErrClaim = errors.New("legacy name not one owner's")

// readLegacyNames returns the LegacyNames a plugin's registration in its
// folder (plugins/<name>/*.go) declares. Generation does not build the
// plugin's package (it may use the client being generated), so it reads
// the registration's source: LegacyNames must be a []string literal of
// string literals in the plugin.Plugin literal.
func readLegacyNames(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var (
		names []string
		where string
	)
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("read the plugin's registration: %w", err)
		}
		var ferr error
		ast.Inspect(f, func(n ast.Node) bool {
			kv, ok := n.(*ast.KeyValueExpr)
			if !ok || ferr != nil {
				return ferr == nil
			}
			if k, ok := kv.Key.(*ast.Ident); !ok || k.Name != "LegacyNames" {
				return true
			}
			pos := fset.Position(kv.Pos())
			if where != "" {
				ferr = fmt.Errorf("%s: LegacyNames is declared twice (also at %s): a plugin declares its legacy names once, in its plugin.Register call", pos, where)
				return false
			}
			where = pos.String()
			lit, ok := kv.Value.(*ast.CompositeLit)
			if !ok {
				ferr = fmt.Errorf("%s: LegacyNames must be written as []string{\"name\", ...} with string literals: go generate reads it from the source", pos)
				return false
			}
			for _, e := range lit.Elts {
				b, ok := e.(*ast.BasicLit)
				if !ok || b.Kind != token.STRING {
					ferr = fmt.Errorf("%s: LegacyNames must hold string literals only (go generate reads them from the source), not %T", fset.Position(e.Pos()), e)
					return false
				}
				s, err := strconv.Unquote(b.Value)
				if err != nil {
					ferr = fmt.Errorf("%s: %w", fset.Position(e.Pos()), err)
					return false
				}
				names = append(names, s)
			}
			return false
		})
		if ferr != nil {
			return nil, ferr
		}
	}
	return names, nil
}

// checkClaims refuses legacy names that are not one owner's alone: a name
// two plugins claim, a name with another plugin's prefix, or a name core's
// or another plugin's schema gives one of its tables.
func checkClaims(sources []*Source) (map[string]string, Errors) {
	var errs Errors
	claims := map[string]string{}
	plugins := map[string]bool{}
	for _, s := range sources {
		plugins[s.Owner] = true
	}
	for _, s := range sources {
		if err := plugin.CheckLegacyNames(s.Owner, s.LegacyNames); err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %w", describe(s.Owner), filepath.Dir(s.Dir), err))
			continue
		}
		for _, n := range s.LegacyNames {
			if prev, dup := claims[n]; dup {
				errs = append(errs, fmt.Errorf("%w: plugins %q and %q both claim the legacy name %q in their LegacyNames: a name has one owner; remove it from the plugin whose database objects do not carry it", ErrClaim, prev, s.Owner, n))
				continue
			}
			if p, _, ok := strings.Cut(n, "__"); ok && p != s.Owner && p != plugin.Core && plugins[p] {
				errs = append(errs, fmt.Errorf("%w: plugin %q claims %q, which has plugin %q's prefix: a plugin may not claim another plugin's names", ErrClaim, s.Owner, n, p))
				continue
			}
			claims[n] = s.Owner
		}
	}
	return claims, errs
}
