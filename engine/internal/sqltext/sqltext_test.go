package sqltext

import (
	"regexp"
	"testing"
)

// TestHasWordIsTheRegexp: HasWord answers as (?i)\b(?:DROP|TRUNCATE)\b
// does, on words inside identifiers, quotes, other scripts and at the ends.
func TestHasWordIsTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`(?i)\b(?:DROP|TRUNCATE)\b`)
	for _, s := range []string{
		"", "drop", "DROP TABLE x;", "ALTER TABLE x DROP COLUMN y", "dropped", "x_drop", "drop_x", "\"drop\"",
		"CREATE TABLE x (id int); -- no drops here", "truncate", "TRUNCATEs", "éDROP", "DROPé", "drop1", "1drop",
		"a.Drop.b", "\tTrUnCaTe\n", "DRO P", "ädrop ", "dröp",
	} {
		if got, want := HasWord(s, "DROP", "TRUNCATE"), re.MatchString(s); got != want {
			t.Errorf("HasWord(%q) = %v, the regexp says %v", s, got, want)
		}
		if got, want := HasWord([]byte(s), "drop", "truncate"), re.MatchString(s); got != want {
			t.Errorf("HasWord([]byte(%q)) = %v, the regexp says %v", s, got, want)
		}
	}
}
