package fleet

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/plugmig/plugmig/internal/dbdriver"
)

// ErrNotStarted is the error of a target left alone because an earlier one
// failed under Runner.FailFast.
var ErrNotStarted = errors.New("not started: an earlier target failed and --fail-fast stops starting new ones")

// ErrCancelled is the error of a target not started because the run's
// context ended (the command was interrupted).
var ErrCancelled = errors.New("not started: the run was interrupted")

// Result is what one target's work returned.
type Result[T any] struct {
	Target
	// Index is the target's position in the list.
	Index int
	// Value is what the work returned (also on error, as far as it got).
	Value T
	// Err is the work's error with the target's password scrubbed out, or
	// ErrNotStarted.
	Err error
	// Duration is the time the work took.
	Duration time.Duration
}

// Started reports whether the target's work ran.
func (r Result[T]) Started() bool {
	return !errors.Is(r.Err, ErrNotStarted) && !errors.Is(r.Err, ErrCancelled)
}

// Runner says how a fleet is worked through. The zero value works on as
// many targets at once as there are CPUs and attempts every target.
type Runner struct {
	// Parallel is how many targets are worked on at once (0: the number
	// of CPUs).
	Parallel int
	// FailFast stops starting targets once one has failed; those not
	// started end with ErrNotStarted.
	FailFast bool
}

// Run does work on every target, at most r.Parallel at once, and returns
// one result per target in the order of targets. A panic in work becomes
// that target's error. done, if not nil, is called once per finished
// target, in finishing order, never concurrently.
func Run[T any](ctx context.Context, r Runner, targets []Target, work func(context.Context, Target) (T, error), done func(finished, total int, res Result[T])) []Result[T] {
	parallel := r.Parallel
	if parallel <= 0 {
		parallel = runtime.NumCPU()
	}
	results := make([]Result[T], len(targets))
	var (
		mu       sync.Mutex
		finished int
		failed   bool
		wg       sync.WaitGroup
		sem      = make(chan struct{}, parallel)
	)
	report := func(res Result[T]) {
		mu.Lock()
		defer mu.Unlock()
		results[res.Index] = res
		finished++
		if res.Err != nil {
			failed = true
		}
		if done != nil {
			done(finished, len(targets), res)
		}
	}
	for i, t := range targets {
		sem <- struct{}{}
		mu.Lock()
		stop := r.FailFast && failed
		mu.Unlock()
		if stop || ctx.Err() != nil {
			<-sem
			err := ErrNotStarted
			if !stop {
				err = ErrCancelled
			}
			report(Result[T]{Target: t, Index: i, Err: err})
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			report(runOne(ctx, i, t, work))
		}()
	}
	wg.Wait()
	return results
}

func runOne[T any](ctx context.Context, i int, t Target, work func(context.Context, Target) (T, error)) (res Result[T]) {
	res = Result[T]{Target: t, Index: i}
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			res.Err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
		res.Duration = time.Since(start)
		res.Err = dbdriver.ScrubError(res.Err, t.URL)
	}()
	res.Value, res.Err = work(ctx, t)
	return res
}
