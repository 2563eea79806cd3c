package plugin

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestValidNameRule checks the hand-written rule against the expression it
// replaced, on named cases and generated names.
func TestValidNameRule(t *testing.T) {
	re := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	cases := []string{"", "a", "archivalook", "media2", "a_b", "2a", "_a", "A", "aB", "a-b", "a b", "é", "aé", "a_", "a\n"}
	frags := []string{"a", "z", "0", "9", "_", "A", "-", " ", "é", "\n"}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(6) {
			b.WriteString(frags[rng.IntN(len(frags))])
		}
		cases = append(cases, b.String())
	}
	for _, name := range cases {
		if got, want := validName(name), re.MatchString(name); got != want {
			t.Errorf("validName(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestRegisterRefusesWithoutPanic: two plugins under one name, or two
// sharing one Dir (a copied plugin folder), are kept as an error naming both
// and the fix, never a panic at init — a goroutine trace before main (issue
// 22, item 4). The first registration stays.
func TestRegisterRefusesWithoutPanic(t *testing.T) {
	saved := &global
	old := Registry{plugins: saved.plugins, coreSeeds: saved.coreSeeds, refused: saved.refused}
	t.Cleanup(func() {
		global.plugins, global.coreSeeds, global.refused = old.plugins, old.coreSeeds, old.refused
	})
	global.plugins, global.coreSeeds, global.refused = nil, nil, nil

	Register(Plugin{Name: "blog", Dir: "plugins/blog"})
	if err := Default().Err(); err != nil {
		t.Fatalf("one registration: %v", err)
	}
	Register(Plugin{Name: "blog", Dir: "plugins/news"})
	Register(Plugin{Name: "news", Dir: "plugins/blog/"})
	err := Default().Err()
	for _, want := range []string{
		`plugin "blog" registered twice (Dir "plugins/blog" and Dir "plugins/news")`,
		`give each its own name`,
		`plugins "blog" and "news" both have Dir "plugins/blog/"`,
		`set Dir to "plugins/news" in plugin "news"'s plugin.go`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Err() = %v, want it to contain %q", err, want)
		}
	}
	if got := Default().Names(); len(got) != 1 || got[0] != "blog" {
		t.Errorf("registered %v, want the first blog only", got)
	}
}
