package lint

import (
	"errors"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"ariga.io/atlas/sql/migrate"
)

func TestTrivial(t *testing.T) {
	g := &Guard{dialect: "sqlite", branch: "image"}
	trivial := [][]string{
		{"CREATE TABLE `image__x` (`id` integer NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `fk` FOREIGN KEY (`id`) REFERENCES `core__users` (`id`))"},
		{"ALTER TABLE `image__x` ADD COLUMN `c` text NULL", "CREATE INDEX `image__x_c` ON `image__x` (`c`)", "DROP INDEX `image__x_c`"},
		{"ALTER TABLE image__x ADD CONSTRAINT image__x_key UNIQUE (id)"},
		{"PRAGMA foreign_keys = off", "CREATE TABLE `new_image__x` (`id` integer NOT NULL)", "INSERT INTO `new_image__x` (`id`) SELECT `id` FROM `image__x`", "DROP TABLE `image__x`", "ALTER TABLE `new_image__x` RENAME TO `image__x`", "PRAGMA foreign_keys = on"},
	}
	for _, stmts := range trivial {
		if !g.Trivial(stmts) {
			t.Errorf("Trivial(%q) = false, want true", stmts)
		}
	}
	watched := [][]string{
		{"ALTER TABLE core__users ADD COLUMN x int"},
		{"CREATE INDEX image__i ON core__users (id)"},
		{"ALTER TABLE image__x RENAME TO core__users"},
		{"INSERT INTO `new_image__x` (`id`) SELECT `id` FROM `core__users`"},
		{"INSERT INTO `new_image__x` (`id`) SELECT (SELECT 1 FROM core__users) FROM `image__x`"},
		{"CREATE TABLE image__x AS SELECT * FROM core__users"},
		{"UPDATE image__x SET a = 1"},
		{"CREATE TABLE plain (id int)"},
		{"DROP TABLE core__users"},
		{"ALTER TABLE image__x ADD COLUMN y int; UPDATE core__users SET x = 1"},
		{"ALTER TABLE image__x ADD CONSTRAINT archivalook__x_key UNIQUE (id)"},
		{"CREATE TABLE image__y (id int, CONSTRAINT core__y_pkey PRIMARY KEY (id))"},
		// One string to PostgreSQL, an open one and then a comment line to
		// a reader without escapes, which would see plain DDL.
		{"CREATE TABLE image__s (c text DEFAULT E'\\'' || '\n--'); UPDATE core__users SET x = 1; SELECT (1\n)"},
	}
	for _, stmts := range watched {
		if g.Trivial(stmts) {
			t.Errorf("Trivial(%q) = true, want false", stmts)
		}
	}
}

// TestTrivialOnPlainAccount: where a MySQL file runs as the plugin's
// account granted roles.MyPlain, data statements on the plugin's own
// tables pass too; one naming another's table as its target (or one whose
// targets cannot be read) is still checked first on a scratch database.
func TestTrivialOnPlainAccount(t *testing.T) {
	g := &Guard{dialect: "mysql", branch: "image"}
	data := []string{"INSERT INTO `image__x` (id) SELECT id FROM core__users", "UPDATE image__x SET n = n + 1 WHERE id % 2 = 0", "DELETE FROM image__x WHERE id > 3", "REPLACE INTO image__x VALUES (1, 'a;b\\')"}
	if g.Trivial(data) {
		t.Fatalf("Trivial(%q) = true before OnPlainAccount", data)
	}
	g.OnPlainAccount()
	if !g.Trivial(append([]string{"CREATE TABLE `image__x` (`id` int NOT NULL, PRIMARY KEY (`id`))"}, data...)) {
		t.Errorf("Trivial(%q) = false on a plain account, want true", data)
	}
	for _, st := range []string{
		"UPDATE core__users SET bio = 'x'",
		"INSERT INTO core__privileges (privilege_name) SELECT 'x'",
		"DELETE FROM {{db}}.image__x",
		"UPDATE image__x s JOIN core__users u ON u.id = s.id SET u.bio = 'x'",
		"UPDATE/**/core__users SET bio = 'x'",
		"DELETE image__x, core__users FROM image__x JOIN core__users",
		"SET @x = 1",
		// An attacker's round: MySQL reads "--(" as code; a comment splits
		// CONSTRAINT from its name; UNIQUE names an index.
		"CREATE TABLE image__y (z int NULL DEFAULT (0\n--(@x:=1)\n))",
		"CREATE TABLE image__y (z int, CONSTRAINT core__fk/**/FOREIGN KEY (z) REFERENCES core__users (id))",
		"CREATE TABLE image__y (z int, UNIQUE core__squat (z))",
		"ALTER TABLE image__y ADD COLUMN w int DEFAULT NEXT VALUE FOR core__s",
	} {
		if g.Trivial([]string{st}) {
			t.Errorf("Trivial(%q) = true on a plain account, want false", st)
		}
	}
}

// untrivialRe is the expression untrivial replaced, kept as its oracle.
var untrivialRe = regexp.MustCompile(`(?i)\b(RENAME|INHERIT|ATTACH|DETACH|OWNER|SCHEMA|SELECT|EXECUTE|TRIGGER|POLICY|GRANT|SECURITY|NO\s+INHERIT)\b|\bAS\s*\(`)

// TestUntrivial checks the scan against the expression it replaced: the
// same answer on ASCII text, and untrivial whenever the text is not ASCII.
func TestUntrivial(t *testing.T) {
	cases := []string{
		"ALTER TABLE `image__x` ADD COLUMN `c` text NULL",
		"ALTER TABLE image__x RENAME TO core__users",
		"alter table image__x rename column a to b",
		"ALTER TABLE image__x ADD COLUMN g int GENERATED ALWAYS AS (a+1)",
		"ALTER TABLE image__x ADD COLUMN g int AS\t(a+1)",
		"CREATE TABLE image__x AS SELECT 1",
		"CREATE TABLE image__as (id int)",
		"ALTER TABLE image__x NO  INHERIT core__users",
		"ALTER TABLE image__x OWNER TO postgres",
		"CREATE TABLE image__renamed (selected int, owner_id int, _grant int)",
		"CREATE TABLE image__x (has int)",
		"CREATE TABLE image__x (id int) -- Select",
		"CREATE TABLE image__x (a int, CHECK (a > 0)) AS(",
		"CREATE TABLE image__x (sECURITY int)",
		"ALTER TABLE image__x ADD COLUMN ſelect int",
		"ALTER TABLE image__x ADD COLUMN xſELECT int",
		"ALTER TABLE image__x ADD COLUMN \u212aey int",
	}
	// Random texts from fragments that meet at word boundaries, or not.
	frags := []string{"select", "SELECT", "as", "AS", "(", " ", "\t", "\v", "\n", "x", "_", "1", "no", "inherit", "Rename", "owner", "`", "\"", ",", ";", "ſ", "é", "grant", "s", "elect", "securit", "y"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(8) {
			b.WriteString(frags[rng.IntN(len(frags))])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		want := untrivialRe.MatchString(s)
		if !isASCII(s) {
			want = true
		}
		if got := untrivial(s); got != want {
			t.Errorf("untrivial(%q) = %v, want %v", s, got, want)
		}
	}
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// wrappedFile is a migration file that is not Atlas's LocalFile but embeds
// one, as apply's files do.
type wrappedFile struct{ *migrate.LocalFile }

// TestCheckTxModeNoneWrapped: the guard refuses "-- atlas:txmode none" on
// SQLite whatever type carries the file.
func TestCheckTxModeNoneWrapped(t *testing.T) {
	g := &Guard{dialect: "sqlite", branch: "image"}
	src := []byte("-- atlas:txmode none\n\nCREATE TABLE image__x (id integer);\n")
	for _, f := range []migrate.File{
		migrate.NewLocalFile("1_x.sql", src),
		wrappedFile{migrate.NewLocalFile("1_x.sql", src)},
	} {
		err := g.Check(f)
		var ge *GuardError
		if !errors.As(err, &ge) || len(ge.Findings) == 0 || ge.Findings[0].Code != CodeEscape {
			t.Errorf("Check(%T) = %v, want a %s refusal", f, err, CodeEscape)
		}
	}
}
