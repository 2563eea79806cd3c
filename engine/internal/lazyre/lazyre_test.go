package lazyre_test

import (
	"testing"

	// The packages that declare lazy expressions: importing them registers
	// their expressions, which compile only on first use otherwise.
	_ "github.com/plugmig/plugmig/engine/apply"
	"github.com/plugmig/plugmig/engine/internal/lazyre"
	_ "github.com/plugmig/plugmig/engine/lint"
	_ "github.com/plugmig/plugmig/engine/plan"
	_ "github.com/plugmig/plugmig/engine/sqlitefk"
)

// TestCompileAll compiles every expression the engine declares (a typo in
// one would otherwise panic only when a statement first reaches it), then
// checks that an invalid expression is reported, and panics when used.
// One test: the invalid expression stays registered.
func TestCompileAll(t *testing.T) {
	if expr, err := lazyre.CompileAll(); err != nil {
		t.Fatalf("expression %q does not compile: %v", expr, err)
	}
	bad := lazyre.New(`(unclosed`)
	if expr, err := lazyre.CompileAll(); err == nil || expr != bad.String() {
		t.Fatalf("CompileAll = %q, %v; want the invalid expression reported", expr, err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("using an invalid expression did not panic")
		}
	}()
	bad.MatchString("x")
}

// TestLazy checks that an expression matches as regexp would.
func TestLazy(t *testing.T) {
	re := lazyre.New(`^a+(b)$`)
	if !re.MatchString("aab") || re.MatchString("ba") {
		t.Fatalf("%s matches wrongly", re)
	}
	if got := re.FindStringSubmatch("ab"); len(got) != 2 || got[1] != "b" {
		t.Fatalf("FindStringSubmatch = %q", got)
	}
}
