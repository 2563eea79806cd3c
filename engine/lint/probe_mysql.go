package lint

import (
	"context"
	"strings"

	"github.com/plugmig/plugmig/engine/internal/lazyre"
)

// mysqlProbe reads information_schema. MySQL/MariaDB have no statement
// triggers and their EXPLAIN does not name every written table, so the
// tables a data statement writes are read from its text: the target of
// INSERT, REPLACE, UPDATE, DELETE, TRUNCATE and LOAD DATA, resolved against
// the catalog whatever its quoting, case or database qualifier.
type mysqlProbe struct{}

// myObjects are simple catalog queries (a correlated subquery over
// information_schema is slow on MariaDB); table columns are merged in Go.
var myObjects = []string{
	`SELECT CASE WHEN TABLE_TYPE = 'VIEW' THEN 'view' WHEN TABLE_TYPE = 'SEQUENCE' THEN 'sequence' ELSE 'table' END, TABLE_NAME, '', CONCAT_WS('|', ENGINE, TABLE_COMMENT, TABLE_COLLATION, CREATE_OPTIONS, AUTO_INCREMENT)
	 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()`,
	`SELECT 'columns', TABLE_NAME, '', GROUP_CONCAT(CONCAT_WS(':', COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT) ORDER BY ORDINAL_POSITION SEPARATOR ',')
	 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() GROUP BY TABLE_NAME`,
	`SELECT 'index', INDEX_NAME, TABLE_NAME, GROUP_CONCAT(CONCAT(COLUMN_NAME, ':', NON_UNIQUE) ORDER BY SEQ_IN_INDEX SEPARATOR ',')
	 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() GROUP BY TABLE_NAME, INDEX_NAME`,
	`SELECT 'constraint', CONSTRAINT_NAME, TABLE_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()`,
	`SELECT 'trigger', TRIGGER_NAME, EVENT_OBJECT_TABLE, CONCAT_WS('|', ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()`,
	`SELECT 'view', TABLE_NAME, '', VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()`,
	`SELECT 'event', EVENT_NAME, '', CONCAT_WS('|', DEFINER, MD5(EVENT_DEFINITION)) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()`,
	`SELECT 'function', ROUTINE_NAME, '', CONCAT(ROUTINE_TYPE, MD5(ROUTINE_DEFINITION)) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()`,
	`SELECT 'grant', CONCAT(GRANTEE, ' ', PRIVILEGE_TYPE), TABLE_NAME, '' FROM information_schema.TABLE_PRIVILEGES WHERE TABLE_SCHEMA = DATABASE()`,
}

func (mysqlProbe) objects(ctx context.Context, db querier) (map[string]object, error) {
	objs := map[string]object{}
	for _, q := range myObjects {
		rows, err := db.QueryContext(ctx, q)
		if err := collect(rows, err, objs); err != nil {
			return nil, err
		}
	}
	for k, c := range objs {
		if c.Kind != "columns" {
			continue
		}
		delete(objs, k)
		for _, kind := range []string{"table", "view", "sequence"} {
			t := object{Kind: kind, Name: c.Name}
			if o, ok := objs[t.key()]; ok {
				o.Sig += "|" + c.Sig
				objs[t.key()] = o
			}
		}
	}
	return objs, nil
}

func (mysqlProbe) arm(context.Context, querier, []string) error { return nil }

var (
	myIdent   = "(?:`[^`]+`|[A-Za-z0-9_$]+)(?:\\s*\\.\\s*(?:`[^`]+`|[A-Za-z0-9_$]+))?"
	myTargets = []*lazyre.Regexp{
		lazyre.New(`(?is)^\s*(?:INSERT|REPLACE)\s+(?:(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE)\s+)*(?:INTO\s+)?(` + myIdent + `)`),
		lazyre.New(`(?is)^\s*UPDATE\s+(?:(?:LOW_PRIORITY|IGNORE)\s+)*(.+?)\s+SET\s`),
		lazyre.New(`(?is)^\s*DELETE\s+(?:(?:LOW_PRIORITY|QUICK|IGNORE)\s+)*(.*?)\bFROM\s+(.+?)(?:\s+WHERE\s|\s+ORDER\s|\s+LIMIT\s|;|$)`),
		lazyre.New(`(?is)^\s*TRUNCATE\s+(?:TABLE\s+)?(` + myIdent + `)`),
		lazyre.New(`(?is)^\s*LOAD\s+DATA\s.*?\bINTO\s+TABLE\s+(` + myIdent + `)`),
	}
	myIdentRe = lazyre.New(myIdent)
)

func (mysqlProbe) writesBefore(_ context.Context, _ querier, stmt string, objs map[string]object) ([]string, error) {
	stmt = stripComments(stmt)
	var written []string
	for i, re := range myTargets {
		m := re.FindStringSubmatch(stmt)
		if m == nil {
			continue
		}
		if i == 1 {
			if ts, ok := updateTargets(stmt, m[1], objs); ok {
				written = append(written, ts...)
				continue
			}
		}
		for _, part := range m[1:] {
			for _, id := range myIdentRe.FindAllString(part, -1) {
				if t := resolveTable(id, objs); t != "" {
					written = append(written, t)
				}
			}
		}
	}
	return written, nil
}

func (mysqlProbe) writesAfter(context.Context, querier) ([]string, error) { return nil, nil }

func (mysqlProbe) internal(object) bool { return false }

// resolveTable maps an identifier as written (quoted, any case, maybe
// qualified) to a table of the catalog, or "".
func resolveTable(id string, objs map[string]object) string {
	if i := strings.LastIndex(id, "."); i >= 0 && !strings.HasSuffix(id[:i], "`") || strings.Contains(id, "`.") {
		parts := strings.Split(id, ".")
		id = parts[len(parts)-1]
	}
	id = strings.Trim(strings.TrimSpace(id), "`")
	for _, o := range objs {
		if o.Kind == "table" && strings.EqualFold(o.Name, id) {
			return o.Name
		}
	}
	return ""
}

func stripComments(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "--") || strings.HasPrefix(t, "#") {
			continue
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

var (
	mySetQualified = lazyre.New("(?is)(?:\\bSET\\s+|,\\s*)(`[^`]+`|[A-Za-z0-9_$]+)\\s*\\.\\s*(?:`[^`]+`|[A-Za-z0-9_$]+)\\s*=")
	myRefSplit     = lazyre.New(`(?is)\s*(?:,|\b(?:(?:NATURAL\s+)?(?:LEFT|RIGHT|INNER|CROSS|STRAIGHT_JOIN)?\s*(?:OUTER\s+)?JOIN)\b)\s*`)
	myUpdateTail   = lazyre.New(`(?is)\s(WHERE|ORDER\s+BY|LIMIT)\s`)
	myRefAlias     = lazyre.New("(?is)^(" + myIdent + ")(?:\\s+(?:AS\\s+)?(`[^`]+`|[A-Za-z0-9_$]+))?")
)

// updateTargets reads a multi-table UPDATE's written tables: those whose
// name or alias qualifies a column assigned in SET. ok is false when an
// assignment is unqualified (every table in the list then counts).
func updateTargets(stmt, refs string, objs map[string]object) ([]string, bool) {
	set := stmt[strings.Index(strings.ToUpper(stmt), strings.ToUpper(refs))+len(refs):]
	if loc := myUpdateTail.FindStringIndex(set); loc != nil {
		set = set[:loc[0]]
	}
	quals := mySetQualified.FindAllStringSubmatch(set, -1)
	if len(quals) == 0 || strings.Count(set, "=") != len(quals) {
		return nil, false // an unqualified or unusual assignment: every table counts
	}
	alias := map[string]string{}
	for _, ref := range myRefSplit.Split(refs, -1) {
		ref = strings.TrimSpace(ref)
		if i := strings.Index(strings.ToUpper(ref), " ON "); i >= 0 {
			ref = ref[:i]
		}
		m := myRefAlias.FindStringSubmatch(ref)
		if m == nil {
			return nil, false
		}
		t := resolveTable(m[1], objs)
		alias[strings.ToLower(strings.Trim(m[1], "`"))] = t
		if m[2] != "" {
			alias[strings.ToLower(strings.Trim(m[2], "`"))] = t
		}
	}
	var out []string
	for _, q := range quals {
		t, ok := alias[strings.ToLower(strings.Trim(q[1], "`"))]
		if !ok {
			return nil, false
		}
		if t != "" {
			out = append(out, t)
		}
	}
	return out, true
}
