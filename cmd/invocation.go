package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// goRun is how the hints of the engine and the commands name the CLI.
const goRun = "go run ./cmd"

// invocation returns how this process was started, for hints to name the
// command the user can type again: "go run ./cmd" under go run (and in
// tests), the binary's name when the PATH finds it, else its path.
func invocation(arg0 string) string {
	base := filepath.Base(arg0)
	if strings.HasSuffix(base, ".test") || strings.Contains(arg0, "go-build") || base == "cmd" {
		return goRun
	}
	if !strings.ContainsRune(arg0, filepath.Separator) {
		return base
	}
	if p, err := exec.LookPath(base); err == nil && sameFile(p, arg0) {
		return base
	}
	return arg0
}

func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// hintWriter writes through to w with "go run ./cmd" replaced by the
// command as invoked: every hint, the engine's included, names what the
// user ran.
type hintWriter struct {
	w    io.Writer
	name []byte
}

func (h hintWriter) Write(p []byte) (int, error) {
	if _, err := h.w.Write(bytes.ReplaceAll(p, []byte(goRun), h.name)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// namedHints wraps stdout and stderr so hints name the command as invoked.
func namedHints(arg0 string, stdout, stderr io.Writer) (io.Writer, io.Writer) {
	name := invocation(arg0)
	if name == goRun {
		return stdout, stderr
	}
	return hintWriter{stdout, []byte(name)}, hintWriter{stderr, []byte(name)}
}
