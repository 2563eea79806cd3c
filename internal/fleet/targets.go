// Package fleet runs one command on many databases at once — a deployment
// with one database per customer or site — each with its own connection,
// lock and result: a target that fails, cannot be reached or is locked
// never stops or changes the others. It also reads the list of targets.
package fleet

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/plugmig/plugmig/internal/dbdriver"
)

// Target is one database of a fleet.
type Target struct {
	// Name identifies the target in progress lines, tables and JSON: the
	// "name=" prefix of its line, or else its URL without the password.
	Name string `json:"name"`
	// URL is the Atlas-style database URL. It may hold a password: print
	// Redacted, never URL.
	URL string `json:"-"`
}

// Redacted returns the target's URL with its password hidden.
func (t Target) Redacted() string { return dbdriver.Redact(t.URL) }

// validName reports whether s is a target name given as "name=URL":
// ^[A-Za-z0-9][A-Za-z0-9_.@-]*$, checked without a regexp, which would be
// compiled at the start of every process (status and heads included).
func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || (c != '_' && c != '.' && c != '@' && c != '-')) {
			return false
		}
	}
	return s != ""
}

// ReadFile reads the targets listed in a file, or on stdin when path is "-".
// See Parse for the format.
func ReadFile(path string, stdin io.Reader) ([]Target, error) {
	var (
		b   []byte
		err error
	)
	if path == "-" {
		b, err = io.ReadAll(stdin)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read targets: %w", err)
	}
	where := path
	if path == "-" {
		where = "stdin"
	}
	ts, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("targets %s: %w", where, err)
	}
	return ts, nil
}

// Parse reads a list of targets. As text: one URL per line, optionally
// prefixed by "name=" (a name is letters, digits and _ . @ -); blank lines
// and lines starting with # are skipped. As JSON (the input starts with [
// or {): an array of URLs or of {"name": ..., "url": ...} objects, or an
// object {"targets": [...]} holding such an array. Names must be unique;
// an empty list is an error. Errors never show a password.
func Parse(b []byte) ([]Target, error) {
	var (
		ts  []Target
		err error
	)
	switch trimmed := bytes.TrimSpace(b); {
	case len(trimmed) > 0 && (trimmed[0] == '[' || trimmed[0] == '{'):
		ts, err = parseJSON(trimmed)
	default:
		ts, err = parseLines(b)
	}
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, errors.New("no targets listed: one database URL per line (name=URL to name it)")
	}
	seen := map[string]int{}
	for i, t := range ts {
		if j, dup := seen[t.Name]; dup {
			return nil, fmt.Errorf("target %d has the same name as target %d (%q): give each a unique name=", i+1, j+1, t.Name)
		}
		seen[t.Name] = i
	}
	return ts, refuseTwice(ts)
}

// refuseTwice refuses a database listed twice (under two names, or spelled
// two ways): the fleet would migrate it twice at once.
func refuseTwice(ts []Target) error {
	seen := map[string]int{}
	for i, t := range ts {
		k := databaseKey(t.URL)
		if k == "" {
			continue
		}
		if j, dup := seen[k]; dup {
			return fmt.Errorf("targets %d (%s) and %d (%s) are the same database: list each database once", j+1, ts[j].Name, i+1, t.Name)
		}
		seen[k] = i
	}
	return nil
}

// databaseKey identifies the database a URL names: the SQLite file's
// absolute path (links resolved), or dialect, host, port and database
// name; "" when the URL does not parse (opening it reports why).
func databaseKey(raw string) string {
	t, err := dbdriver.ParseURL(raw)
	if err != nil {
		return ""
	}
	if t.Dialect == "sqlite" {
		path, err := filepath.Abs(t.Database)
		if err != nil {
			return ""
		}
		return "sqlite:" + realPath(path)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"postgres": "5432", "mysql": "3306"}[t.Dialect]
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" {
		host = "127.0.0.1"
	}
	return t.Dialect + ":" + host + ":" + port + "/" + t.Database
}

// realPath is an absolute path with its links resolved, also when the file
// does not exist yet (apply creates it): a link to it is followed by hand,
// and the links of its folder are resolved.
func realPath(path string) string {
	for range 40 { // as many links as Linux follows
		if real, err := filepath.EvalSymlinks(path); err == nil {
			return real
		}
		to, err := os.Readlink(path)
		if err != nil {
			break // not a link: a file not created yet
		}
		if !filepath.IsAbs(to) {
			to = filepath.Join(filepath.Dir(path), to)
		}
		path = to
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(path)); err == nil {
		return filepath.Join(dir, filepath.Base(path))
	}
	return path
}

func parseLines(b []byte) ([]Target, error) {
	var ts []Target
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		t, err := newTarget(splitName(line))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		ts = append(ts, t)
	}
	return ts, sc.Err()
}

// splitName splits "name=URL"; a line whose text before the first "=" is
// not a name (a URL's query holds "=" too) is all URL.
func splitName(line string) (name, url string) {
	if before, after, ok := strings.Cut(line, "="); ok && validName(strings.TrimSpace(before)) {
		return strings.TrimSpace(before), strings.TrimSpace(after)
	}
	return "", line
}

func newTarget(name, url string) (Target, error) {
	if url == "" {
		return Target{}, fmt.Errorf("target %q has no URL", name)
	}
	if !strings.Contains(url, "://") {
		// Not shown: what is not a URL may still hold a password.
		return Target{}, errors.New("not a database URL: use sqlite://<file>, postgres://user@host:5432/db or mysql://user@host:3306/db (optionally name=URL)")
	}
	if name == "" {
		name = dbdriver.Redact(url)
	} else if !validName(name) {
		return Target{}, fmt.Errorf("target name %q: use letters, digits and _ . @ -", name)
	}
	return Target{Name: name, URL: url}, nil
}

func parseJSON(b []byte) ([]Target, error) {
	var raw json.RawMessage = b
	if b[0] == '{' {
		var wrapper struct {
			Targets json.RawMessage `json:"targets"`
		}
		if err := json.Unmarshal(b, &wrapper); err != nil {
			return nil, fmt.Errorf("JSON: %w", err)
		}
		if wrapper.Targets == nil {
			return nil, errors.New(`JSON: an object must hold "targets": [...]`)
		}
		raw = wrapper.Targets
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("JSON: targets must be an array: %w", err)
	}
	ts := make([]Target, 0, len(items))
	for i, it := range items {
		var (
			url  string
			item struct {
				Name string `json:"name"`
				URL  string `json:"url"`
			}
		)
		if err := json.Unmarshal(it, &url); err == nil {
			item.URL = url
		} else if err := json.Unmarshal(it, &item); err != nil {
			return nil, fmt.Errorf("JSON target %d: a URL string or {\"name\": ..., \"url\": ...}", i+1)
		}
		t, err := newTarget(item.Name, item.URL)
		if err != nil {
			return nil, fmt.Errorf("JSON target %d: %w", i+1, err)
		}
		ts = append(ts, t)
	}
	return ts, nil
}
