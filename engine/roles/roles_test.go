package roles

import (
	"strings"
	"testing"
)

func TestName(t *testing.T) {
	a, b := Name("app", "image"), Name("app2", "image")
	if a == b {
		t.Fatalf("two databases share a role name: %s", a)
	}
	if a != Name("app", "image") || !strings.HasPrefix(a, "plugmig_image_") || !strings.HasSuffix(a, "_"+DatabaseTag("app")) {
		t.Fatalf("unexpected name %s", a)
	}
	long1, long2 := Name("app", "averyveryverylongpluginname_one"), Name("app", "averyveryverylongpluginname_two")
	if long1 == long2 || len(long1) > 32 || len(long2) > 32 {
		t.Fatalf("long plugin names: %s %s", long1, long2)
	}
}

func TestPrefixedNames(t *testing.T) {
	got := PrefixedNames("image", "CREATE TABLE `image__notes` (id int);\nCREATE VIEW image__recent AS SELECT id FROM core__media_entries; -- image__NOTES again\nRENAME TABLE image__notes TO \"image__n2\"")
	want := []string{"image__notes", "image__recent", "image__n2"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %v, want %v", got, want)
	}
}
