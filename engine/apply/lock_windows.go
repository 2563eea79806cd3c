//go:build windows

package apply

import (
	"context"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

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
