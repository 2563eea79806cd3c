package lint

import (
	"context"
	"slices"
	"testing"
)

func TestMySQLUpdateTargets(t *testing.T) {
	objs := map[string]object{}
	for _, n := range []string{"image__mediadata", "core__media_entries", "core__users"} {
		o := object{Kind: "table", Name: n}
		objs[o.key()] = o
	}
	for stmt, want := range map[string][]string{
		"UPDATE image__mediadata s JOIN core__media_entries e ON e.id = s.media_entry SET s.width = 1 WHERE e.id > 0":        {"image__mediadata"},
		"UPDATE image__mediadata AS s, core__media_entries e SET s.width = e.id WHERE e.id = s.media_entry":                  {"image__mediadata"},
		"UPDATE core__users u JOIN image__mediadata m ON m.media_entry = u.id SET u.bio = 'x'":                               {"core__users"},
		"UPDATE image__mediadata s JOIN core__media_entries e ON e.id = s.media_entry SET width = 1":                         {"core__media_entries", "image__mediadata"},
		"UPDATE image__mediadata s JOIN core__media_entries e ON e.id = s.media_entry SET s.width = 1, e.title = 'x'":        {"core__media_entries", "image__mediadata"},
		"UPDATE `image__mediadata` `s` JOIN `core__media_entries` `e` ON e.id = s.media_entry SET `s`.`width` = IF(1=1,1,0)": {"core__media_entries", "image__mediadata"},
	} {
		got, err := mysqlProbe{}.writesBefore(context.Background(), nil, stmt, objs)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		got = slices.Compact(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", stmt, got, want)
		}
	}
}

// TestSessionState: a MySQL body that sets anything but NEW.<column> or a
// local variable, touches a variable or takes a named lock is refused,
// however it is spelled; plain bodies pass.
func TestSessionState(t *testing.T) {
	sysvars := map[string]bool{"insert_id": true, "timestamp": true, "sql_mode": true}
	refused := []string{
		"BEGIN BEGIN DECLARE insert_id INT; END; SET insert_id = 777; END",
		"SET @@session.insert_id = 777",
		"SET NEW.id = 1, insert_id = 777",
		"BEGIN SET NEW.id = 1; SET SESSION sql_mode = ''; END",
		"/*!SET timestamp = 1*/",
		"/*M!100000 SET timestamp = 1*/",
		"SET NEW.id = GET_LOCK('plugmig_apply.x', 0)",
		"SET NEW.id = get_lock /* */ ('x', 0)",
		"BEGIN SET NEW.a = 'x'; SET names utf8; END",
		"SET NEW.a = 'it''s', timestamp = 1",
		"SET NEW.a = 'it\\'s', timestamp = 1",
		"BEGIN DECLARE k INT; SET k = 1, sql_log_bin = 0; END",
		"SET `NEW`.id = 1",
		"SET NEW.a = 'unterminated",
		"SET NEW.a = 'x@y'",
		"SET STATEMENT max_statement_time = 1 FOR SELECT 1",
	}
	for _, b := range refused {
		if sessionState("trigger", b, "", sysvars) == "" {
			t.Errorf("not refused: %s", b)
		}
	}
	passed := []string{
		"SET NEW.id = COALESCE(NEW.id, 0)",
		"BEGIN DECLARE k, m INT DEFAULT 0; SET k = 2; SET NEW.n = k, NEW.m = (SELECT COUNT(*) FROM image__x WHERE a IN (1, 2)); UPDATE image__c SET n = n + 1, m = 2 WHERE id = 1; END",
		"INSERT INTO image__log (what) VALUES (CONVERT('x' USING utf8mb4))",
		"SET NEW.a = CAST('x' AS CHAR CHARACTER SET utf8mb4)",
		"UPDATE image__c SET n = 1 -- SET timestamp = 1 is a comment",
	}
	for _, b := range passed {
		if r := sessionState("trigger", b, "", sysvars); r != "" {
			t.Errorf("refused %s: %s", b, r)
		}
	}
}
