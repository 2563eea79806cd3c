package app_test

import (
	"os"
	"testing"

	"github.com/plugmig/plugmig/internal/testdb"
)

func TestMain(m *testing.M) {
	testdb.RaiseParallel()
	os.Exit(m.Run())
}
