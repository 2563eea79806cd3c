package fleet

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestShardSplitsEveryTargetOnce: the N shards of a list hold every target
// exactly once, whatever the list's order; a target's shard does not move
// when others are added; the shards are near even.
func TestShardSplitsEveryTargetOnce(t *testing.T) {
	var ts []Target
	for i := range 1000 {
		ts = append(ts, Target{Name: fmt.Sprintf("site%04d", i), URL: fmt.Sprintf("sqlite://site%04d.db", i)})
	}
	const n = 16
	where := map[string]int{}
	for k := 1; k <= n; k++ {
		part := Shard{K: k, N: n}.Select(ts)
		require.InDelta(t, len(ts)/n, len(part), float64(len(ts)/n)/2, "shard %d/%d holds %d of %d", k, n, len(part), len(ts))
		for _, x := range part {
			_, twice := where[x.Name]
			require.False(t, twice, "%s in two shards", x.Name)
			where[x.Name] = k
		}
	}
	require.Len(t, where, len(ts), "every target in a shard")

	shuffled := append([]Target(nil), ts...)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	more := append(shuffled, Target{Name: "new-site", URL: "sqlite://new.db"})
	for k := 1; k <= n; k++ {
		for _, x := range (Shard{K: k, N: n}).Select(more) {
			if x.Name != "new-site" {
				require.Equal(t, where[x.Name], k, "%s moved shard when the list was reordered and grew", x.Name)
			}
		}
	}
}

func TestParseShard(t *testing.T) {
	s, err := ParseShard("3/16")
	require.NoError(t, err)
	require.Equal(t, Shard{K: 3, N: 16}, s)
	require.Equal(t, "3/16", s.String())
	for _, bad := range []string{"", "3", "0/4", "5/4", "-1/4", "1/0", "a/b", "1/4/2"} {
		_, err := ParseShard(bad)
		require.ErrorContains(t, err, "give K/N", bad)
	}
}
