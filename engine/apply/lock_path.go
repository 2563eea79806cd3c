//go:build !linux

package apply

import "fmt"

// SQLiteLockPath is the run lock file of a SQLite database: "<file>.lock"
// beside the real file, symbolic links resolved and the path made absolute,
// so every spelling of one database (a symlink, "./x/../db", a relative
// path) takes the same lock. A hard link is another file name for the lock
// here: on Linux the lock is the database file itself (lock_linux.go).
func SQLiteLockPath(path string) (string, error) {
	real, err := realPath(path)
	if err != nil {
		return "", fmt.Errorf("sqlite lock: resolve %s: %w", path, err)
	}
	return real + ".lock", nil
}
