// Package lazyre holds regular expressions that compile on first use
// instead of at package initialisation.
//
// A package-level regexp.MustCompile runs before main in every process
// that links the package, whatever the command: for the plugmig binary the
// engine's few dozen expressions were a third of the start-up of status
// and heads, which use none of them. A [Regexp] has the methods of
// [regexp.Regexp] the engine uses, so a declaration changes and its call
// sites do not.
package lazyre

import (
	"regexp"
	"sync"
)

// Regexp is a regular expression compiled the first time a method needs
// it. It is safe for concurrent use, as [regexp.Regexp] is.
type Regexp struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
	err  error
}

var (
	mu  sync.Mutex
	all []*Regexp
)

// New returns the expression expr, to compile on first use. An invalid
// expression panics then, as regexp.MustCompile would have at init: every
// expression is compiled by [CompileAll], which the package's test runs.
// New allocates one small struct and nothing else: the engine declares
// dozens of expressions, all made at every process's start.
func New(expr string) *Regexp {
	r := &Regexp{expr: expr}
	mu.Lock()
	all = append(all, r)
	mu.Unlock()
	return r
}

// CompileAll compiles every expression made with [New] so far and returns
// the first that does not compile, with its error.
func CompileAll() (string, error) {
	mu.Lock()
	defer mu.Unlock()
	for _, r := range all {
		if _, err := regexp.Compile(r.expr); err != nil {
			return r.expr, err
		}
	}
	return "", nil
}

// get compiles the expression once and returns it; an invalid one panics,
// on every call, as regexp.MustCompile does.
func (r *Regexp) get() *regexp.Regexp {
	r.once.Do(func() { r.re, r.err = regexp.Compile(r.expr) })
	if r.err != nil {
		regexp.MustCompile(r.expr) // panics with regexp's own message
	}
	return r.re
}

// Regexp returns the compiled expression.
func (r *Regexp) Regexp() *regexp.Regexp { return r.get() }

// String returns the source text of the expression.
func (r *Regexp) String() string { return r.expr }

// MatchString is [regexp.Regexp.MatchString].
func (r *Regexp) MatchString(s string) bool { return r.get().MatchString(s) }

// Match is [regexp.Regexp.Match].
func (r *Regexp) Match(b []byte) bool { return r.get().Match(b) }

// FindStringSubmatch is [regexp.Regexp.FindStringSubmatch].
func (r *Regexp) FindStringSubmatch(s string) []string { return r.get().FindStringSubmatch(s) }

// FindAllStringSubmatch is [regexp.Regexp.FindAllStringSubmatch].
func (r *Regexp) FindAllStringSubmatch(s string, n int) [][]string {
	return r.get().FindAllStringSubmatch(s, n)
}

// FindAllString is [regexp.Regexp.FindAllString].
func (r *Regexp) FindAllString(s string, n int) []string { return r.get().FindAllString(s, n) }

// FindStringIndex is [regexp.Regexp.FindStringIndex].
func (r *Regexp) FindStringIndex(s string) []int { return r.get().FindStringIndex(s) }

// ReplaceAllString is [regexp.Regexp.ReplaceAllString].
func (r *Regexp) ReplaceAllString(src, repl string) string {
	return r.get().ReplaceAllString(src, repl)
}

// Split is [regexp.Regexp.Split].
func (r *Regexp) Split(s string, n int) []string { return r.get().Split(s, n) }
