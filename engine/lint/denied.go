package lint

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/plugmig/plugmig/engine/internal/lazyre"
)

// Refusal is the database's own refusal of a plugin statement, explained:
// the finding code, the object, its owner and a message naming both.
type Refusal struct {
	Code, Object, Owner, Message string
}

var (
	pgDeniedObj = lazyre.New(`(?i)(?:permission denied for|must be owner of)\s+(table|relation|sequence|view|materialized view|database|schema|function|type|language|foreign table|index|statistics object|publication|event trigger)\s+"?([^"\s]+)"?`)
	pgDeniedAny = lazyre.New(`(?i)permission denied|must be (?:owner|superuser|a member)|only superuser|must have privileges of|must be able to SET ROLE|insufficient privilege`)
	myDenied    = lazyre.New("(?i)(\\w+(?: \\w+)?) command denied to user .*? for (?:table|routine) `?(?:[^`]*`\\.`)?([^`'\\s]+)`?")
	dataVerb    = lazyre.New(`(?is)^\s*(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|WITH|COPY|REPLACE|SELECT|LOAD)\b`)
)

// Denied explains an error of a plugin statement that the database refused
// for lack of privilege (the plugin's own identity may touch only what it
// owns): which object, whose, and the finding code the observer would have
// given. ok is false for any other error. owner maps a name to its branch.
func Denied(dialect, stmt string, err error, owner func(string) string) (Refusal, bool) {
	if err == nil {
		return Refusal{}, false
	}
	var msg string
	var pe *pgconn.PgError
	var me *mysql.MySQLError
	switch {
	case errors.As(err, &pe):
		if pe.Code != "42501" && !pgDeniedAny.MatchString(pe.Message) {
			return Refusal{}, false
		}
		msg = pe.Message
	case errors.As(err, &me):
		if me.Number != 1142 && me.Number != 1143 && me.Number != 1044 && me.Number != 1227 && me.Number != 1370 && me.Number != 1410 && me.Number != 1045 {
			return Refusal{}, false
		}
		msg = me.Message
	default:
		if !pgDeniedAny.MatchString(err.Error()) {
			return Refusal{}, false
		}
		msg = err.Error()
	}
	r := Refusal{Code: CodeNotOwned}
	data := dataVerb.MatchString(stripComments(stmt))
	if m := pgDeniedObj.FindStringSubmatch(msg); m != nil {
		kind, name := strings.ToLower(m[1]), m[2]
		r.Object = name
		switch kind {
		case "sequence":
			r.Code = CodeSequence
		case "table", "relation", "view":
			if data && strings.HasPrefix(strings.ToLower(msg), "permission denied") {
				r.Code = CodeForeignWrite
			}
		}
		if kind == "database" || kind == "schema" || kind == "language" || kind == "event trigger" || kind == "publication" {
			r.Owner = "the database administrator"
		} else {
			r.Owner = describeOwner(owner(name))
		}
		r.Message = fmt.Sprintf("the database refused it: %s (%s %q is owned by %s; a plugin's role may only read and reference core and its dependencies, and change what it owns)", msg, kind, name, r.Owner)
		return r, true
	}
	if m := myDenied.FindStringSubmatch(msg); m != nil {
		verb, name := strings.ToUpper(m[1]), m[2]
		r.Object, r.Owner = name, describeOwner(owner(name))
		switch {
		case verb == "INSERT" || verb == "UPDATE" || verb == "DELETE" || verb == "DELETE HISTORY" || data:
			r.Code = CodeForeignWrite
		case verb == "CREATE" || verb == "CREATE VIEW":
			// The plugin's account may create every name with its prefix.
			r.Code = CodePrefix
		}
		r.Message = fmt.Sprintf("the database refused it: %s (table %q is owned by %s; a plugin's account may only read and reference core and its dependencies, and change its own tables)", msg, name, r.Owner)
		return r, true
	}
	r.Object, r.Owner = "the server", "the database administrator"
	if dialect == "mysql" {
		r.Object = "the database"
	}
	r.Message = fmt.Sprintf("the database refused it: %s (a plugin's migrations reach only the plugin's own objects: no roles, server programs, database settings or other databases)", msg)
	return r, true
}

var grantRe = lazyre.New(`(?is)^\s*(?:GRANT|REVOKE)\s.*?\bON\s+(?:(?:TABLE|SEQUENCE|VIEW)\s+)?(ALL\s+(?:TABLES|SEQUENCES)\s+IN\s+SCHEMA\s+)?(.+?)\s+(?:TO|FROM)\s`)

// grants reports a GRANT or REVOKE on objects the branch does not own. A
// role without the grant option is not refused by PostgreSQL: the statement
// succeeds with a warning and grants nothing, so the observer says it.
func (w *walker) grants(stmt string, fb Finding) []Finding {
	m := grantRe.FindStringSubmatch(stripComments(stmt))
	if m == nil {
		return nil
	}
	var out []Finding
	for _, id := range strings.Split(m[2], ",") {
		id = strings.TrimSpace(id)
		name := id
		if i := strings.LastIndex(name, "."); i >= 0 {
			name = name[i+1:]
		}
		name = strings.Trim(name, "`\"")
		if w.dialect == "postgres" && !strings.HasPrefix(strings.TrimSpace(id), `"`) {
			name = strings.ToLower(name)
		}
		if m[1] != "" {
			out = append(out, fb.with(CodeNotOwned, name, "", fmt.Sprintf("grants or revokes privileges on every table of schema %q: a plugin grants only on what it owns", name)))
			continue
		}
		if o := w.owner(name); o != w.branch {
			out = append(out, fb.with(CodeNotOwned, name, o, fmt.Sprintf("grants or revokes privileges on %q, owned by %s: %s", name, describeOwner(o), w.remedy(o))))
		}
	}
	return out
}
