package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHintsNameTheCommandAsInvoked (issue 21, item 8): hints say "go run
// ./cmd" under go run, and the binary's name (or path) when a built binary
// runs.
func TestHintsNameTheCommandAsInvoked(t *testing.T) {
	for arg0, want := range map[string]string{
		"/tmp/go-build3170/b001/exe/cmd": "go run ./cmd",
		"/work/x/cmd.test":               "go run ./cmd",
		"plugmig":                        "plugmig",
		"./bin/plugmig":                  "./bin/plugmig",
	} {
		require.Equal(t, want, invocation(arg0), arg0)
	}
	var out, errb bytes.Buffer
	stdout, stderr := namedHints("./bin/plugmig", &out, &errb)
	url := "sqlite://" + filepath.Join(t.TempDir(), "missing.db")
	code := run([]string{"status", "--url", url}, stdout, stderr)
	require.Equal(t, 1, code)
	require.Contains(t, errb.String(), "(./bin/plugmig apply --url '"+url+"' creates it)")
	require.NotContains(t, errb.String(), "go run")
}
