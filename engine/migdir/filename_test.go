package migdir

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestFileName checks the hand-written rule against the expression it
// replaced, on named cases and generated names.
func TestFileName(t *testing.T) {
	re := regexp.MustCompile(`^[0-9]+_[^\s/\\]+\.sql$`)
	cases := []string{
		"20261123205308_initial.sql", "1_a.sql", "1_.sql", "_a.sql", "1a_b.sql", "add_caption.sql",
		"1_a b.sql", "1_a/b.sql", `1_a\b.sql`, "1_a\tb.sql", "1_a\vb.sql", "1_é.sql", "1_a.sql\n",
		"1_a.SQL", "1_a.sql.bak", "12_34_x.sql", "1__.sql", "1_x.sq", "", "1", "1_", "1_.sq",
	}
	frags := []string{"0", "7", "_", "a", ".", "sql", ".sql", " ", "\t", "\v", "/", `\`, "é", "\n", "x"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(7) {
			b.WriteString(frags[rng.IntN(len(frags))])
		}
		cases = append(cases, b.String())
	}
	for _, name := range cases {
		if got, want := fileName(name), re.MatchString(name); got != want {
			t.Errorf("fileName(%q) = %v, want %v", name, got, want)
		}
	}
}
