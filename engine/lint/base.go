package lint

import (
	"bytes"
	"fmt"
	"os/exec"
	"path"
	"strings"

	"github.com/plugmig/plugmig/engine/migdir"
	"github.com/plugmig/plugmig/engine/plugin"
)

// scope is what a run lints for content: everything, or with a base only
// the files added since it and the branches they (or their schemas) touch.
type scope struct {
	base     bool
	files    map[string]bool
	branches map[string]bool
}

func (s *scope) file(p string) bool   { return !s.base || s.files[p] }
func (s *scope) branch(b string) bool { return !s.base || s.branches[b] }

// scope compares the working tree with the base: an edited or deleted file
// that exists on the base is an error; a new file is linted, and is an
// error if it sorts before the base's head of its folder (two changes raced).
func (l *Linter) scope(branches []string) (*scope, []Finding, error) {
	sc := &scope{base: l.Base != "", files: map[string]bool{}, branches: map[string]bool{}}
	if !sc.base {
		return sc, l.headEdits(branches), nil
	}
	root := l.Project.Root
	if _, err := l.git("rev-parse", "--verify", "--quiet", l.Base+"^{commit}"); err != nil {
		return nil, nil, fmt.Errorf("--base %s is not a commit of %s: fetch it (git fetch origin %s) or name another ref", l.Base, root, l.Base)
	}
	changed, err := l.changed()
	if err != nil {
		return nil, nil, err
	}
	folders := l.folders(branches) // folder → branch
	comp := l.Project.Composer
	var findings []Finding
	for p, status := range changed {
		dir, name := path.Split(p)
		dir = path.Clean(dir)
		if b, ok := folders[dir]; ok {
			sc.branches[b] = true
		}
		if b, ok := folders[dir]; ok && strings.HasSuffix(name, ".sql") {
			d := path.Base(dir)
			switch status {
			case "A":
				sc.files[p], sc.branches[b] = true, true
				head, err := l.baseHead(dir)
				if err != nil {
					return nil, nil, err
				}
				if v, _, _ := strings.Cut(name, "_"); head != "" && migdir.VersionLess(v, head) {
					findings = append(findings, Finding{Code: CodeOutOfOrder, Severity: Error, Branch: b, Dialect: d, File: p,
						Message: fmt.Sprintf("version %s sorts before %s, the head of %s on %s: another change landed first; regenerate this migration (delete it, go run ./cmd diff --branch %s) so it comes after", v, head, dir, l.Base, b)})
				}
			default:
				verb := map[string]string{"M": "edited", "D": "deleted"}[status]
				if verb == "" {
					verb = "changed"
				}
				findings = append(findings, Finding{Code: CodeEdited, Severity: Error, Branch: b, Dialect: d, File: p,
					Message: fmt.Sprintf("%s was %s, but it exists on %s and may already be applied: restore it (git checkout %s -- %s) and put the change in a new migration", p, verb, l.Base, l.Base, p)})
			}
			continue
		}
		switch {
		case strings.HasPrefix(p, "ent/schema/"):
			sc.branches[plugin.Core] = true
		case strings.HasPrefix(p, "plugins/"):
			if parts := strings.SplitN(p, "/", 3); len(parts) == 3 {
				if _, err := comp.Plugins().Get(parts[1]); err == nil {
					sc.branches[parts[1]] = true
				}
			}
		}
	}
	return sc, findings, nil
}

// headEdits compares, without a base, the migration files with the last
// commit (HEAD): a file that HEAD has and the working tree edited or
// deleted is PL304. A committed file may have been applied anywhere, and
// apply only sees the edit as a checksum mismatch once atlas.sum was
// rehashed (a file edited by hand, then go run ./cmd hash). An edit that
// was committed is what --base checks (the pull request's base), where
// the file was shared: HEAD is all plain lint can trust. Outside a git
// checkout (or one without a commit) there is nothing to compare with.
func (l *Linter) headEdits(branches []string) []Finding {
	if _, err := l.git("rev-parse", "--verify", "--quiet", "HEAD^{commit}"); err != nil {
		return nil
	}
	out, err := l.git("diff", "--name-status", "--no-renames", "--relative", "HEAD", "--")
	if err != nil {
		return nil
	}
	folders := l.folders(branches)
	var findings []Finding
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		status, p, ok := strings.Cut(line, "\t")
		if !ok || status == "A" || !strings.HasSuffix(p, ".sql") {
			continue
		}
		dir := path.Dir(p)
		b, ok := folders[dir]
		if !ok {
			continue
		}
		verb := map[string]string{"M": "edited", "D": "deleted"}[status[:1]]
		if verb == "" {
			verb = "changed"
		}
		findings = append(findings, Finding{Code: CodeEdited, Severity: Error, Branch: b, Dialect: path.Base(dir), File: p,
			Message: fmt.Sprintf("%s was %s since the last commit, which has it, so it may already be applied: restore it with its folder's atlas.sum (git checkout HEAD -- %s %s) and put the change in a new migration (go run ./cmd diff --branch %s --name <description>)", p, verb, p, path.Join(dir, "atlas.sum"), b)})
	}
	return findings
}

// folders maps each branch's migration folder, per linted dialect and
// relative to the root, to its branch.
func (l *Linter) folders(branches []string) map[string]string {
	folders := map[string]string{}
	comp := l.Project.Composer
	for _, b := range branches {
		for _, d := range l.Dialects {
			rel, _ := migdir.Path(comp.Plugins(), b, d)
			folders[path.Clean(strings.ReplaceAll(rel, "\\", "/"))] = b
		}
	}
	return folders
}

// changed returns the module's files that differ from the base (committed
// or not, and untracked ones), relative to the root, with a status letter.
func (l *Linter) changed() (map[string]string, error) {
	out, err := l.git("diff", "--name-status", "--no-renames", "--relative", l.Base, "--")
	if err != nil {
		return nil, err
	}
	changed := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		status, p, ok := strings.Cut(line, "\t")
		if ok {
			changed[p] = status[:1]
		}
	}
	out, err = l.git("ls-files", "--others", "--exclude-standard")
	if err != nil {
		return nil, err
	}
	for _, p := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if p != "" {
			changed[p] = "A"
		}
	}
	return changed, nil
}

// baseHead returns the newest version of a folder on the base.
func (l *Linter) baseHead(dir string) (string, error) {
	out, err := l.git("ls-tree", "--name-only", l.Base+":"+dir)
	if err != nil {
		return "", nil // the folder is new
	}
	head := ""
	for _, n := range strings.Split(string(out), "\n") {
		if v, _, ok := strings.Cut(n, "_"); ok && strings.HasSuffix(n, ".sql") && migdir.VersionLess(head, v) {
			head = v
		}
	}
	return head, nil
}

func (l *Linter) git(args ...string) ([]byte, error) {
	cmd := exec.Command("git", append([]string{"-C", l.Project.Root}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
