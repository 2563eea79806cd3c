package apply

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLockSQLiteHardLink: two runs of one process naming one database file
// by two hard links exclude each other, and the second gets the lock once
// the first releases it.
func TestLockSQLiteHardLink(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "app.db")
	other := filepath.Join(t.TempDir(), "other.db")
	if err := os.WriteFile(db, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(db, other); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	release, err := lock(ctx, "sqlite", nil, db, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock(ctx, "sqlite", nil, other, 100*time.Millisecond); !errors.Is(err, ErrLockTimeout) {
		t.Fatalf("a hard link of a locked database: err = %v, want %v", err, ErrLockTimeout)
	}
	release()
	release, err = lock(ctx, "sqlite", nil, other, time.Second)
	if err != nil {
		t.Fatalf("the lock released, the hard link takes it: %v", err)
	}
	release()
}
