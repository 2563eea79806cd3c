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
