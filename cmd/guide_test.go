package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestGuideCommandsAreTested: every command docs/plugin-guide.md shows (in
// its sh blocks, but the atlas CLI's) is run by a script under testdata/,
// with the same command, subcommands, arguments and flags (flag values may
// differ).
func TestGuideCommandsAreTested(t *testing.T) {
	t.Parallel()
	guide, err := os.ReadFile("../docs/plugin-guide.md")
	if err != nil {
		t.Fatal(err)
	}
	run := map[string]bool{}
	scripts, _ := filepath.Glob("testdata/*/*.txtar")
	for _, s := range scripts {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimPrefix(strings.TrimSpace(line), "! ")
			// The e2e script's plugin is $P: the guide's journal unless a
			// plugin of that name is registered (TestEndToEnd).
			line = strings.ReplaceAll(line, "${P}", "journal")
			cmd, ok := strings.CutPrefix(line, "exec ")
			if !ok {
				continue
			}
			if rest, ok := strings.CutPrefix(cmd, "plugmig "); ok {
				cmd = "go run ./cmd " + rest
			}
			run[shape(cmd)] = true
		}
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(guide), -1)
	if len(blocks) < 8 {
		t.Fatalf("found %d sh blocks in the guide; the pattern is stale", len(blocks))
	}
	n := 0
	for _, b := range blocks {
		for _, line := range strings.Split(b[1], "\n") {
			line, _, _ = strings.Cut(line, " #")
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "go ") {
				continue
			}
			n++
			if !run[shape(line)] {
				t.Errorf("the guide shows %q, but no script under cmd/testdata runs it (shape %q)", line, shape(line))
			}
		}
	}
	t.Logf("%d guide commands checked", n)
}

// shape is a command with its flag values replaced by V.
func shape(cmd string) string {
	fields := strings.Fields(cmd)
	out := make([]string, 0, len(fields))
	value := false
	for _, f := range fields {
		switch {
		case strings.HasPrefix(f, "-"):
			name, _, hasValue := strings.Cut(f, "=")
			out = append(out, name)
			value = !hasValue && name != "--yes" && name != "--check" && name != "--json" && name != "--dry-run" && name != "--all" && name != "--from-root"
		case value:
			out = append(out, "V")
			value = false
		default:
			out = append(out, f)
		}
	}
	return strings.Join(out, " ")
}

// TestGuideShowsTheBlogPlugin: the guide's legacy-names walk-through shows
// the blog plugin's registration and schema exactly as they are in
// plugins/blog (testdata/script/legacy_names.txtar runs its commands on
// them).
func TestGuideShowsTheBlogPlugin(t *testing.T) {
	t.Parallel()
	guide, err := os.ReadFile("../docs/plugin-guide.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"plugins/blog/plugin.go", "plugins/blog/schema/schema.go"} {
		start := "```go\n// " + path + "\n"
		i := strings.Index(string(guide), start)
		if i < 0 {
			t.Errorf("the guide has no code block starting with // %s", path)
			continue
		}
		body := string(guide)[i+len(start):]
		body = body[:strings.Index(body, "```")]
		file, err := os.ReadFile(filepath.Join("..", path))
		if err != nil {
			t.Fatal(err)
		}
		if body != string(file) {
			t.Errorf("the guide's %s differs from the file: copy the file into the guide", path)
		}
	}
}
