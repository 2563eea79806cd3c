//go:build windows

package apply

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/windows"
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

// lockSQLite takes an exclusive LockFileEx on the database's lock file.
func lockSQLite(ctx context.Context, file string, deadline time.Time, timeout time.Duration) (func(), error) {
	path, err := SQLiteLockPath(file)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	h := windows.Handle(f.Fd())
	for {
		ol := new(windows.Overlapped)
		err := windows.LockFileEx(h, windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
		if err == nil {
			return func() {
				windows.UnlockFileEx(h, 0, 1, 0, new(windows.Overlapped))
				f.Close()
			}, nil
		}
		if err := waitOrGiveUp(ctx, deadline, timeout); err != nil {
			f.Close()
			return nil, err
		}
	}
}
