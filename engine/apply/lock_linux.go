package apply

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"
)

// SQLiteLockPath is the file whose exclusive flock is the run lock of a
// SQLite database. On Linux it is the database file itself (symbolic links
// resolved, the path made absolute): a flock belongs to the file, not to
// its name, so every name of one database — a symlink, another spelling,
// a hard link — takes the same lock. SQLite's own locks are fcntl record
// locks, which Linux keeps apart from flock.
func SQLiteLockPath(path string) (string, error) {
	real, err := realPath(path)
	if err != nil {
		return "", fmt.Errorf("sqlite lock: resolve %s: %w", path, err)
	}
	return real, nil
}

// fileID is a file's identity: its device and inode.
type fileID struct{ dev, ino uint64 }

// lockHandle is this process's descriptor of one database file, and a
// semaphore for the runs of this process (a flock taken twice through one
// descriptor does not exclude).
type lockHandle struct {
	f   *os.File
	sem chan struct{}
}

// lockHandles holds every database file this process has locked, by
// identity. The descriptors are never closed: closing any descriptor of a
// file drops every fcntl lock the process holds on it, so closing ours
// could drop the locks of SQLite's own connections to the database (see
// "How To Corrupt An SQLite Database File", section 2.2). One descriptor
// per database file for the life of the process.
var lockHandles = struct {
	sync.Mutex
	m    map[fileID]*lockHandle
	kept []*os.File // descriptors of no handle, kept from the garbage collector's Close
}{m: map[fileID]*lockHandle{}}

// lockSQLite takes the run lock of the database file named file: first
// this process's semaphore of the file, then an exclusive flock on it,
// creating the file (empty: SQLite's empty database) if it does not exist.
func lockSQLite(ctx context.Context, file string, deadline time.Time, timeout time.Duration) (func(), error) {
	path, err := SQLiteLockPath(file)
	if err != nil {
		return nil, err
	}
	h, err := lockHandleOf(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite lock: open %s: %w", path, err)
	}
	if err := h.acquire(ctx, deadline, timeout); err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(h.f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(h.f.Fd()), syscall.LOCK_UN)
				<-h.sem
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			<-h.sem
			return nil, fmt.Errorf("sqlite lock: %s: %w", path, err)
		}
		if err := waitOrGiveUp(ctx, deadline, timeout); err != nil {
			<-h.sem
			return nil, err
		}
	}
}

// acquire takes this process's semaphore of the file.
func (h *lockHandle) acquire(ctx context.Context, deadline time.Time, timeout time.Duration) error {
	for {
		select {
		case h.sem <- struct{}{}:
			return nil
		default:
		}
		if err := waitOrGiveUp(ctx, deadline, timeout); err != nil {
			return err
		}
	}
}

// lockHandleOf returns this process's handle of the file at path, opening
// the file (read-only: a read-only database still locks) the first time.
func lockHandleOf(path string) (*lockHandle, error) {
	lockHandles.Lock()
	defer lockHandles.Unlock()
	if fi, err := os.Stat(path); err == nil {
		if h, ok := lockHandles.m[idOf(fi)]; ok {
			return h, nil
		}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		lockHandles.kept = append(lockHandles.kept, f)
		return nil, err
	}
	id := idOf(fi)
	if h, ok := lockHandles.m[id]; ok {
		// The name now leads to a file this process already holds (it was
		// replaced between Stat and OpenFile): keep f open, never close it.
		lockHandles.kept = append(lockHandles.kept, f)
		return h, nil
	}
	h := &lockHandle{f: f, sem: make(chan struct{}, 1)}
	lockHandles.m[id] = h
	return h, nil
}

func idOf(fi os.FileInfo) fileID {
	st := fi.Sys().(*syscall.Stat_t)
	return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)}
}
