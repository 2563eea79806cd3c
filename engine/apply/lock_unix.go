//go:build unix && !linux

package apply

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

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
