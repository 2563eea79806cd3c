package main

import (
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// targeted is a command that works on a database (it embeds Target).
type targeted interface{ target() *Target }

func (t *Target) target() *Target { return t }

// dbCommand finds, in a message, a command to run next on the database:
// the engine names them without the target's flags, which it does not
// know. Compiled when a command has a target to name (not at start-up).
var dbCommand = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(regexp.QuoteMeta(goRun) + ` (?:apply|status|history|baseline|adopt|drift|down|roles|plugin remove [A-Za-z0-9_]+)\b`)
})

// targetWriter adds to every command a message names to run next on the
// database the flags that say which database and which plugins (as given
// to this command), so that the command, copied as printed, works on the
// same database and never on the default one. It writes inside hintWriter,
// which then names the command as invoked.
type targetWriter struct {
	w     io.Writer
	flags string
}

// withTargetFlags wraps w when the command was given a database (--url
// or DATABASE_URL) or --plugins.
func withTargetFlags(w io.Writer, t *Target, args []string) io.Writer {
	var flags []string
	if t.URL != "" {
		flags = append(flags, t.urlFlag())
	}
	if slices.ContainsFunc(args, func(a string) bool { return a == "--plugins" || strings.HasPrefix(a, "--plugins=") }) {
		flags = append(flags, "--plugins "+strings.Join(t.Plugins, ","))
	}
	if len(flags) == 0 {
		return w
	}
	return &targetWriter{w: w, flags: " " + strings.Join(flags, " ")}
}

func (tw *targetWriter) Write(p []byte) (int, error) {
	s := string(p)
	var b strings.Builder
	last := 0
	for _, m := range dbCommand().FindAllStringIndex(s, -1) {
		b.WriteString(s[last:m[1]])
		last = m[1]
		rest := s[m[1]:]
		if strings.HasPrefix(rest, " --url") || strings.HasPrefix(rest, " --targets") || strings.HasPrefix(rest, " --plugins") {
			continue // already says where
		}
		b.WriteString(tw.flags)
	}
	b.WriteString(s[last:])
	if _, err := io.WriteString(tw.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}
