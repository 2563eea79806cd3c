package fleet

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Shard is one part of a fleet split across machines (an indexed
// Kubernetes Job, a CI matrix): part K of N, 1 <= K <= N. A target belongs
// to one shard by a hash of its name alone, so the split does not depend
// on the order of the list, and adding or removing a target moves no other.
type Shard struct{ K, N int }

// ParseShard reads "K/N".
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	ki, kerr := strconv.Atoi(k)
	ni, nerr := strconv.Atoi(n)
	if !ok || kerr != nil || nerr != nil || ni < 1 || ki < 1 || ki > ni {
		return Shard{}, fmt.Errorf("--shard %q: give K/N, this job's part K of N, 1 <= K <= N (e.g. 3/16; an indexed Job's index i is --shard $((i+1))/N)", s)
	}
	return Shard{K: ki, N: ni}, nil
}

// String returns "K/N".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.K, s.N) }

// Of returns the shard, 1 to n, that holds the target named name.
func Of(name string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int(h.Sum64()%uint64(n)) + 1
}

// Select returns the targets of the shard, in the list's order.
func (s Shard) Select(ts []Target) []Target {
	var out []Target
	for _, t := range ts {
		if Of(t.Name, s.N) == s.K {
			out = append(out, t)
		}
	}
	return out
}
