package apply

import (
	"context"
	"fmt"

	"github.com/plugmig/plugmig/engine/internal/lazyre"
)

// Interrupted statements (PostgreSQL). A file that says "-- atlas:txmode
// none" runs statement by statement, each committed on its own, with the
// same record of intent as on MySQL. When apply dies (kill -9, Ctrl-C)
// while a statement runs, the server finishes it and commits it before it
// notices the client is gone; running it again would apply it twice (an
// INSERT) or fail on what it created (CREATE INDEX CONCURRENTLY). Each
// statement is atomic, so the object it creates or drops tells.

var (
	pgIdentRe       = `((?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)(?:\.(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*))?)`
	pgCreateTableRe = lazyre.New(`(?is)^\s*CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?` + pgIdentRe + `\s*\(`)
	pgCreateIndexRe = lazyre.New(`(?is)^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?` + pgIdentRe + `\s+ON\s`)
	pgDropRe        = lazyre.New(`(?is)^\s*DROP\s+(TABLE|INDEX)\s+(?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?` + pgIdentRe + `\s*(?:CASCADE|RESTRICT)?\s*$`)
	pgSetRe         = lazyre.New(`(?is)^\s*(?:SET|RESET)\s`)
)

// pgTookEffect decides whether an interrupted statement took effect from
// the relation it creates or drops; effectUnknown, and what to check, for
// any other statement.
func (m *Migrator) pgTookEffect(ctx context.Context, s string) (effect, string, error) {
	switch {
	case pgCreateTableRe.MatchString(s):
		name := pgCreateTableRe.FindStringSubmatch(s)[1]
		exists, _, err := m.pgRelation(ctx, name)
		return pgPresence(exists, true), pgState("table", name, exists), err
	case pgCreateIndexRe.MatchString(s):
		name := pgCreateIndexRe.FindStringSubmatch(s)[1]
		exists, valid, err := m.pgRelation(ctx, name)
		if err == nil && exists && !valid {
			return effectUnknown, fmt.Sprintf("index %s, which exists but is INVALID (the build did not finish): DROP INDEX %s first, then it did not run", name, name), nil
		}
		return pgPresence(exists, true), pgState("index", name, exists), err
	case pgDropRe.MatchString(s):
		g := pgDropRe.FindStringSubmatch(s)
		exists, _, err := m.pgRelation(ctx, g[2])
		kind := "table"
		if g[1][0] == 'I' || g[1][0] == 'i' {
			kind = "index"
		}
		return pgPresence(exists, false), pgState(kind, g[2], exists), err
	case pgSetRe.MatchString(s):
		return effectNotDone, "running it again changes nothing", nil
	}
	return effectUnknown, "whether what the statement writes or creates is in the database", nil
}

// pgRelation reports whether a relation named as in SQL (quoted or not,
// qualified or not) exists where the migrator's names resolve, and, for an
// index, whether it is valid.
func (m *Migrator) pgRelation(ctx context.Context, name string) (exists, valid bool, err error) {
	err = m.db.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL, coalesce((SELECT indisvalid FROM pg_catalog.pg_index WHERE indexrelid = to_regclass($1)), true)`, name).Scan(&exists, &valid)
	return exists, valid, err
}

// pgPresence decides a statement that creates (want) or drops a relation.
func pgPresence(exists, want bool) effect {
	if exists == want {
		return effectDone
	}
	return effectNotDone
}

// pgState says whether the relation exists, for the decision's message.
func pgState(kind, name string, exists bool) string {
	if exists {
		return kind + " " + name + " exists"
	}
	return kind + " " + name + " does not exist"
}
