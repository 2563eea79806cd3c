package sqlq

import "testing"

// TestPlainlyOneCommand: only a statement whose one semicolon, if any, is
// its last character goes in the simple protocol.
func TestPlainlyOneCommand(t *testing.T) {
	for q, want := range map[string]bool{
		`ALTER TABLE "p__x" ADD COLUMN "c" character varying NULL;`:                      true,
		"CREATE INDEX p__i ON p__x (c)":                                                  true,
		"CREATE TABLE p__x (id int);\n  ":                                                true,
		"CREATE TABLE p__x (c text DEFAULT 'a;b');":                                      false,
		"CREATE TABLE p__s (c text DEFAULT E'\\'' || '\n--'); RESET ROLE; SELECT (1\n);": false,
		"SELECT 1;;":                  false,
		`CREATE TABLE "a;b" (id int)`: false,
	} {
		if got := PlainlyOneCommand(q); got != want {
			t.Errorf("PlainlyOneCommand(%q) = %v, want %v", q, got, want)
		}
	}
}
