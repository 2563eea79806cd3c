package apply

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"ariga.io/atlas/sql/migrate"

	"github.com/plugmig/plugmig/engine/lint"
)

// Every state Status reports names the one command that gets out of it
// (BranchStatus.Next), and that command works: status never says "run
// apply" where apply refuses.

// BranchProblem is why apply refuses a branch before any SQL, and the one
// command that gets out of it.
type BranchProblem struct {
	err error
	// Next is the command that gets out of the state ("" when the way out
	// is an edit the message describes).
	Next string
}

func (p *BranchProblem) Error() string { return p.err.Error() }
func (p *BranchProblem) Unwrap() error { return p.err }

// failedAttempt reports whether a revision is a failed attempt of which
// nothing was applied.
func failedAttempt(r *migrate.Revision) bool {
	return r.Error != "" && r.Applied == 0 && r.Type == migrate.RevisionTypeExecute
}

// newerVersion returns a version that sorts after last: now as a
// timestamp, or last + 1 when now does not sort after it.
func newerVersion(last string) string {
	if v := time.Now().UTC().Format("20060102150405"); len(v) == len(last) && v > last {
		return v
	}
	if n, err := strconv.ParseUint(last, 10, 64); err == nil {
		return strconv.FormatUint(n+1, 10)
	}
	return time.Now().UTC().Format("20060102150405")
}

// Commands Status names.
const (
	nextApply = "go run ./cmd apply"
)

// nextStep fills a branch status's Next (and Problem, for refusals that
// only Apply would find): the command that gets out of its state.
func (m *Migrator) nextStep(ctx context.Context, st *BranchStatus, bp *BranchPlan, planErr error, existing func() (map[string]bool, error)) error {
	switch {
	case st.State == StateUnknown:
		st.Next = fmt.Sprintf("go run ./cmd plugin remove %s --yes", st.Branch)
		return nil
	case st.State == StateDisabled:
		return nil
	case planErr != nil:
		var bpErr *BranchProblem
		if errors.As(planErr, &bpErr) {
			st.Next = bpErr.Next
		}
		return nil
	}
	if bp.New() && len(bp.Pending) > 0 {
		tables, err := existing()
		if err != nil {
			return err
		}
		if t := m.adopted(bp.Branch, tables); t != "" {
			head := "<version>"
			if h := bp.Head(); h != nil {
				head = h.Version()
			}
			st.Problem = fmt.Sprintf("branch %q has no history in this database but its table %q exists: adopt finds the version its tables match (newest is %s) and records it, or refuses and lists the differences", bp.Branch, t, head)
			st.Next = "go run ./cmd adopt"
			return nil
		}
	}
	if len(bp.Pending) == 0 {
		return nil
	}
	f := bp.Pending[0]
	for _, r := range bp.Revisions {
		if r.Version != f.Version() {
			continue
		}
		if r.Error != "" {
			st.Failed = r.Error
			st.Next = fmt.Sprintf("fix %s/%s (the statement that failed: %s), then go run ./cmd hash && go run ./cmd apply", bp.Folder, f.Name(), oneLine(r.ErrorStmt))
			if r.ErrorStmt == lint.AfterFile {
				st.Next = fmt.Sprintf("the file ran whole and the check after it refused what it left (the error names it): undo on the database what the file did, fix %s/%s, then go run ./cmd hash && go run ./cmd apply (it runs again from its first statement)", bp.Folder, f.Name())
			}
			if hasData(r.Error) {
				st.Next = dataNext(bp.Folder+"/"+f.Name(), oneLine(r.ErrorStmt))
			}
			return nil
		}
		if m.dialect != "sqlite" && r.Applied < r.Total {
			stmts, err := f.Stmts()
			if err == nil && r.Applied < len(stmts) {
				if e, what, err := m.tookEffect(ctx, stmts[r.Applied]); err == nil && e == effectUnknown {
					st.Problem = fmt.Sprintf("statement %d of %s/%s was running when an earlier apply was interrupted, and plugmig cannot tell whether it took effect: check %s", r.Applied+1, bp.Folder, f.Name(), what)
					st.Next = "go run ./cmd apply --interrupted=ran (or --interrupted=rerun if it did not take effect)"
					return nil
				}
			}
		}
	}
	for _, pf := range bp.Pending {
		if err := m.checkDataLoss(ctx, bp, pf); err != nil {
			var dl *DataLossError
			if !errors.As(err, &dl) {
				return err
			}
			st.Problem = fmt.Sprintf("%s/%s %s", bp.Folder, pf.Name(), err)
			st.Next = nextApply + " --allow-data-loss"
			return nil
		}
	}
	st.Next = nextApply
	return nil
}
