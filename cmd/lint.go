package main

import (
	"context"
	"errors"

	"github.com/plugmig/plugmig/engine/atlasenv"
	"github.com/plugmig/plugmig/engine/lint"
	"github.com/plugmig/plugmig/engine/plan"
)

// LintCmd checks every migration file of every branch and dialect.
type LintCmd struct {
	Format string   `short:"f" default:"text" enum:"text,json,github,sarif" help:"Output: text, json, github (workflow annotations) or sarif (code scanning)."`
	Base   string   `placeholder:"REF" help:"Git ref of the pull request's base: lint only files added since it, and fail on edits of files that exist there."`
	Error  []string `placeholder:"CODE" help:"Report these warning codes (or prefixes, e.g. DS for Atlas's destructive changes) as errors."`
}

// Run lints and exits 1 on any error.
func (c *LintCmd) Run(app *App) error {
	ctx := context.Background()
	proj, devs, closeDevs, err := app.Workspace(ctx)
	if err != nil {
		return err
	}
	defer closeDevs()
	l := &lint.Linter{Project: proj, Devs: devs, Dialects: app.Dialects, Errors: c.Error, Base: c.Base}
	findings, err := l.Run(ctx)
	if err != nil {
		return err
	}
	stale, err := atlasStale(ctx, proj, app.Dialects)
	if err != nil {
		return err
	}
	findings = append(findings, stale...)
	if err := lint.Write(app.Stdout, c.Format, findings); err != nil {
		return err
	}
	if lint.HasErrors(findings) {
		return errSilent
	}
	return nil
}

// atlasStale reports .atlas/ older than the ent schemas or the migrations,
// where the atlas CLI path is in use (atlas sync ran here): the atlas CLI
// would diff against old inputs without a word.
func atlasStale(ctx context.Context, proj *plan.Project, dialects []string) ([]lint.Finding, error) {
	if !atlasenv.Exists(proj.Root) {
		return nil, nil
	}
	branches, err := proj.Composer.Branches()
	if err != nil {
		return nil, err
	}
	err = atlasenv.Stale(ctx, proj, branches, dialects)
	if !errors.Is(err, atlasenv.ErrStale) {
		return nil, err
	}
	return []lint.Finding{{Code: lint.CodeAtlasStale, Severity: lint.Warning, File: atlasenv.Dir, Message: err.Error()}}, nil
}
