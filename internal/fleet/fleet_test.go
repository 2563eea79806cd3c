package fleet

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in string
		want     []Target
	}{
		{"lines", `
# the fleet
sqlite://a.db
acme=postgres://u:pw@h:5432/acme?sslmode=disable
  b.2@x = mysql://root@h:3306/b
postgres://h/c?sslmode=disable&x=y
`, []Target{
			{Name: "sqlite://a.db", URL: "sqlite://a.db"},
			{Name: "acme", URL: "postgres://u:pw@h:5432/acme?sslmode=disable"},
			{Name: "b.2@x", URL: "mysql://root@h:3306/b"},
			{Name: "postgres://h/c?sslmode=disable&x=y", URL: "postgres://h/c?sslmode=disable&x=y"},
		}},
		{"json strings", `["sqlite://a.db", "postgres://u:pw@h/db"]`, []Target{
			{Name: "sqlite://a.db", URL: "sqlite://a.db"},
			{Name: "postgres://u:xxxxx@h/db", URL: "postgres://u:pw@h/db"},
		}},
		{"json objects", `{"targets": [{"name": "a", "url": "sqlite://a.db"}, "sqlite://b.db"]}`, []Target{
			{Name: "a", URL: "sqlite://a.db"},
			{Name: "sqlite://b.db", URL: "sqlite://b.db"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Parse([]byte(c.in))
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

// TestValidName checks the hand-written name check against the regexp it
// replaces.
func TestValidName(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.@-]*$`)
	for _, s := range []string{"", "a", "Z9", "9", "eu-1", "eu_1.db@host", "_a", ".a", "-a", "@a", "a b", "a=b", "a/b", "é", "aé", "a\n", "a\x00", "a-", "a..", "sqlite://x"} {
		require.Equal(t, re.MatchString(s), validName(s), "%q", s)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"empty":          "# nothing\n\n",
		"not a URL":      "a.db\n",
		"duplicate name": "a=sqlite://a.db\na=sqlite://b.db\n",
		"no URL":         "a=\n",
		"bad JSON":       `[1, 2]`,
		"object":         `{"urls": []}`,
		"secret":         "user:s3cret@host/db\n",
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(in))
			require.Error(t, err)
			require.NotContains(t, err.Error(), "s3cret")
		})
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	var targets []Target
	for i := range 20 {
		targets = append(targets, Target{Name: fmt.Sprint(i), URL: fmt.Sprintf("postgres://u:s3cret@h/db%d", i)})
	}
	var running, peak atomic.Int32
	var calls atomic.Int32
	work := func(ctx context.Context, tg Target) (string, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(5 * time.Millisecond)
		switch tg.Name {
		case "3":
			return "half", fmt.Errorf("connect to %s: refused", tg.URL)
		case "7":
			panic("boom")
		}
		return "ok " + tg.Name, nil
	}
	res := Run(context.Background(), Runner{Parallel: 4}, targets, work, func(done, total int, r Result[string]) {
		calls.Add(1)
		require.Equal(t, 20, total)
	})
	require.EqualValues(t, 20, calls.Load())
	require.LessOrEqual(t, peak.Load(), int32(4))
	require.Greater(t, peak.Load(), int32(1), "targets run in parallel")
	for i, r := range res {
		require.Equal(t, i, r.Index)
		require.Equal(t, targets[i], r.Target)
		switch i {
		case 3:
			require.Equal(t, "half", r.Value, "the value is kept on error")
			require.ErrorContains(t, r.Err, "refused")
			require.NotContains(t, r.Err.Error(), "s3cret")
		case 7:
			require.ErrorContains(t, r.Err, "panic: boom")
		default:
			require.NoError(t, r.Err)
			require.Equal(t, "ok "+r.Name, r.Value)
		}
	}
}

func TestRunFailFast(t *testing.T) {
	t.Parallel()
	var targets []Target
	for i := range 10 {
		targets = append(targets, Target{Name: fmt.Sprint(i), URL: "sqlite://x"})
	}
	res := Run(context.Background(), Runner{Parallel: 1, FailFast: true}, targets, func(ctx context.Context, tg Target) (int, error) {
		if tg.Name == "2" {
			return 0, errors.New("bad")
		}
		return 1, nil
	}, nil)
	for i, r := range res {
		switch {
		case i < 2:
			require.NoError(t, r.Err)
		case i == 2:
			require.EqualError(t, r.Err, "bad")
		default:
			require.ErrorIs(t, r.Err, ErrNotStarted)
			require.False(t, r.Started())
		}
	}
}

// TestRunInterrupted: once the run's context ends (the command was
// interrupted), the running target sees it and no other starts; those are
// reported not started, not failed.
func TestRunInterrupted(t *testing.T) {
	t.Parallel()
	var targets []Target
	for i := range 5 {
		targets = append(targets, Target{Name: fmt.Sprint(i), URL: "sqlite://x"})
	}
	ctx, cancel := context.WithCancel(context.Background())
	res := Run(ctx, Runner{Parallel: 1}, targets, func(ctx context.Context, tg Target) (int, error) {
		cancel() // the interrupt arrives while the first target runs
		<-ctx.Done()
		return 0, ctx.Err()
	}, nil)
	require.ErrorIs(t, res[0].Err, context.Canceled)
	require.True(t, res[0].Started())
	for _, r := range res[1:] {
		require.ErrorIs(t, r.Err, ErrCancelled)
		require.False(t, r.Started(), "reported not started")
	}
}
