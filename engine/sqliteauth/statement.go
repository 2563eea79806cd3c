package sqliteauth

import (
	"strings"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// OneStatement reports whether a text holds at most one SQL statement as
// SQLite reads it. The driver runs every statement of a text, while what
// the authorizer allows a statement (SQLite's own bookkeeping during a
// CREATE, DROP or ALTER) depends on the statement: a text packing
// "DROP TABLE IF EXISTS <own>; UPDATE sqlite_sequence ..." behind an
// atlas:delimiter must not run as one DDL statement.
//
// Where the statement ends is SQLite's own sqlite3_complete (its tokenizer:
// strings, quoted names, comments, a trigger's BEGIN ... END), asked of
// each prefix that ends at a semicolon; a text without a semicolon before
// its last non-blank character is one statement without asking.
func OneStatement(text string) bool {
	rest := strings.TrimRight(text, " \t\r\n;")
	i := strings.IndexByte(rest, ';')
	if i < 0 {
		return true
	}
	tls := libc.NewTLS()
	defer tls.Close()
	for ; i >= 0 && i < len(text); i = next(text, i) {
		if complete(tls, text[:i+1]) {
			return blank(text[i+1:])
		}
	}
	return true // no prefix is a complete statement: SQLite reads one (or fails)
}

func next(s string, i int) int {
	j := strings.IndexByte(s[i+1:], ';')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// complete is sqlite3_complete(s).
func complete(tls *libc.TLS, s string) bool {
	p, err := libc.CString(s)
	if err != nil {
		return false
	}
	defer libc.Xfree(tls, p)
	return sqlite3.Xsqlite3_complete(tls, p) != 0
}

// blank reports whether s holds only blanks, comments and semicolons
// (empty statements, which SQLite skips).
func blank(s string) bool {
	for {
		s = stripLeadingComments(s)
		t := strings.TrimLeft(s, ";")
		if t == s {
			return s == ""
		}
		s = t
	}
}
