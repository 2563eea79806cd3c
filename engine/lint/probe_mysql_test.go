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
