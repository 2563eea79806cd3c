// Command plugmig is the schema workflow of a pluggable application: it
// composes the core and plugin ent schemas per branch and prints, diffs,
// lints and applies their migrations. Run it with go run ./cmd <command>.
//
// Exit codes: 0 success; 1 an error, or (for commands that check) something
// to do; 2 bad usage.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/alecthomas/kong"
)

// CLI is the command line: the global flags, then one field per command,
// each command in its own file.
type CLI struct {
	Globals

	Apply      ApplyCmd      `cmd:"" help:"Apply core's pending migrations, then each enabled plugin's (default database: the embedded SQLite file)."`
	Status     StatusCmd     `cmd:"" help:"Show each branch's applied version, head and pending files; exit 1 when something is pending."`
	History    HistoryCmd    `cmd:"" help:"List the applied migrations of every branch (or one)."`
	Baseline   BaselineCmd   `cmd:"" help:"Mark existing tables as a branch's given version, without running anything."`
	Plugin     PluginCmd     `cmd:"" help:"Create a plugin (new), or drop one from a database (remove)."`
	Lint       LintCmd       `cmd:"" help:"Check every migration: a plugin never touches what it does not own; sums, dialect parity, drift, Atlas's analyzers."`
	Atlas      AtlasCmd      `cmd:"" help:"Work with the atlas CLI: write atlas.hcl and its inputs, import what atlas migrate diff wrote."`
	Diff       DiffCmd       `cmd:"" help:"Write the migration a branch's ent schema needs, one file per dialect in the branch's own folder."`
	Heads      HeadsCmd      `cmd:"" help:"Show each branch's newest migration; fail when a branch's dialect folders differ."`
	Hash       HashCmd       `cmd:"" help:"Rewrite atlas.sum of every migration folder after a deliberate manual edit."`
	Graph      GraphCmd      `cmd:"" help:"Draw the branches (heads, dependencies), or one branch's tables and foreign keys, as Mermaid or DOT."`
	Completion CompletionCmd `cmd:"" help:"Print a shell completion script (bash, zsh)."`
	Schema     SchemaCmd     `cmd:"" help:"Print a branch's desired schema (core, or core + one plugin) as DDL."`
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// exitError carries an exit code other than 1 for a failed command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// errSilent is returned by a command that has already reported why it
// exits with 1 (diff --check listing what is pending).
var errSilent = errors.New("")

// run parses args, runs the command and returns the process exit code. It is
// main without the process, so tests run the CLI in-process.
func run(args []string, stdout, stderr io.Writer) int {
	var cli CLI
	exitCode := -1
	options := []kong.Option{
		kong.Name("plugmig"),
		kong.Description("Declarative, Atlas-backed schema migrations for an application and its plugins.\n\nExit codes: 0 success; 1 an error, or something to do (status, diff --check, lint); 2 bad usage."),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exitCode = code }),
		kong.BindTo(stdout, (*io.Writer)(nil)),
		kong.Vars{"default_db": DefaultDatabase},
	}
	cwd, _ := os.Getwd()
	root, rootErr := findRoot(cwd)
	if rootErr == nil {
		options = append(options, kong.Configuration(kong.JSON, filepath.Join(root, "plugmig.json")))
	}
	parser, err := kong.New(&cli, options...)
	if err != nil {
		fmt.Fprintln(stderr, "plugmig:", err)
		return 2
	}
	ctx, err := parser.Parse(args)
	if exitCode >= 0 {
		return exitCode // --help
	}
	if err != nil {
		fmt.Fprintln(stderr, "plugmig:", err)
		return 2
	}
	app := &App{Globals: cli.Globals, Stdout: stdout, Stderr: stderr}
	if app.Root == "" {
		app.Root, app.rootErr = root, rootErr
	}
	if err := ctx.Run(app, parser); err != nil {
		if !errors.Is(err, errSilent) {
			fmt.Fprintln(stderr, "plugmig:", err)
		}
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		return 1
	}
	return 0
}
