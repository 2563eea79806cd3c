package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plugmig/plugmig/engine/apply"
)

// TestGuardCheckFailureIsNotOwnership: on MariaDB with the observing guard
// a plugin file is checked first on a scratch database. A statement that
// fails there (a fault of its own, or a server limit such as
// max_recursive_iterations) and an interrupt during that check are reported
// as what they are, never as "touches what it does not own" (issue 22,
// item 6); nothing of the file runs.
func TestGuardCheckFailureIsNotOwnership(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, body string
		timeout    time.Duration
		want       []string
	}{
		{"fails", "CREATE TABLE image__ok (id int);\nINSERT INTO image__nope VALUES (1);\n", 0,
			[]string{"a statement failed there (a fault of the statement or a limit of the server, not an ownership refusal)", "image__nope", "nothing of the file was run"}},
		{"interrupted", "CREATE TABLE image__ok (id int);\nSELECT SLEEP(20);\n", 3 * time.Second,
			[]string{`branch "image": plugins/image/migrations/mysql/29990101000000_x.sql: interrupted while the ownership guard checked it on a scratch database, before it ran: nothing of it was run; apply again`, "context deadline exceeded"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newApplyEnv(t, "mysql")
			_, err := e.migrator().Apply(context.Background())
			require.NoError(t, err)
			before := e.snapshot()
			e.addFile("image", "29990101000000_x.sql", c.body, true)
			ctx := context.Background()
			if c.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, c.timeout)
				defer cancel()
			}
			_, err = e.with(apply.WithGuard(apply.GuardObserve)).Apply(ctx)
			require.Error(t, err)
			require.NotContains(t, err.Error(), "touches what it does not own")
			for _, w := range c.want {
				require.ErrorContains(t, err, w)
			}
			require.Equal(t, before, e.snapshot(), "nothing of the file ran")
		})
	}
}
