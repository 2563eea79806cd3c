package main

import (
	"context"

	"github.com/plugmig/plugmig/engine/lint"
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
	if err := lint.Write(app.Stdout, c.Format, findings); err != nil {
		return err
	}
	if lint.HasErrors(findings) {
		return errSilent
	}
	return nil
}
