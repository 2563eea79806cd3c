//go:build unix && !linux

package apply

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

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

// lockSQLite takes an exclusive flock on the database's lock file.
func lockSQLite(ctx context.Context, file string, deadline time.Time, timeout time.Duration) (func(), error) {
	path, err := SQLiteLockPath(file)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, err
		}
		if err := waitOrGiveUp(ctx, deadline, timeout); err != nil {
			f.Close()
			return nil, err
		}
	}
}
