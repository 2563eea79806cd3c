package apply

import (
	"os"
	"testing"

	"github.com/plugmig/plugmig/internal/testdb"
)

// TestMain runs the tests under testdb.Supervise: what a panicking test
// leaves on the servers is dropped when the run ends.
func TestMain(m *testing.M) {
	if code, supervised := testdb.Supervise(); supervised {
		os.Exit(code)
	}
	os.Exit(m.Run())
}
