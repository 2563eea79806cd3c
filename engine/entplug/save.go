package entplug

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// savedTree is the content of the folders generation writes, taken before
// it starts, to put back if it fails.
type savedTree struct {
	roots []string
	files map[string]savedFile
	dirs  map[string]bool
}

type savedFile struct {
	data []byte
	mode fs.FileMode
}

// saveTree reads every file under the roots (a root that does not exist yet
// is recorded as absent).
func saveTree(roots ...string) (*savedTree, error) {
	s := &savedTree{files: map[string]savedFile{}, dirs: map[string]bool{}}
	for _, r := range roots {
		r = filepath.Clean(r)
		if s.covered(r) {
			continue
		}
		s.roots = append(s.roots, r)
		err := filepath.WalkDir(r, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == r && os.IsNotExist(err) {
					return fs.SkipDir
				}
				return err
			}
			if d.IsDir() {
				s.dirs[p] = true
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			s.files[p] = savedFile{data: b, mode: info.Mode().Perm()}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// covered reports whether p is under a root already saved.
func (s *savedTree) covered(p string) bool {
	for _, r := range s.roots {
		if p == r || strings.HasPrefix(p, r+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// restore puts the roots back as they were saved: files written since are
// rewritten, files created are removed, folders created are removed.
func (s *savedTree) restore() error {
	var created []string
	for _, r := range s.roots {
		err := filepath.WalkDir(r, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return nil
				}
				return err
			}
			if d.IsDir() {
				if !s.dirs[p] {
					created = append(created, p)
				}
				return nil
			}
			if _, ok := s.files[p]; !ok {
				return os.Remove(p)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	// Deepest first, so a folder is empty when it is removed.
	sort.Slice(created, func(i, j int) bool { return len(created[i]) > len(created[j]) })
	for _, d := range created {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	for p, f := range s.files {
		if cur, err := os.ReadFile(p); err == nil && bytes.Equal(cur, f.data) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}
