// Command plugmig is the schema workflow of a pluggable application: it
// composes the core and plugin ent schemas per branch and prints, diffs,
// lints and applies their migrations. Run it with go run ./cmd <command>.
//
// Exit codes: 0 success; 1 an error, or (for commands that check) something
// to do; 2 bad usage.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alecthomas/kong"

	"github.com/plugmig/plugmig/engine/devdb"
	"github.com/plugmig/plugmig/engine/plugin"
	"github.com/plugmig/plugmig/internal/dbdriver"
)

// CLI is the command line: the global flags, then one field per command,
// each command in its own file.
type CLI struct {
	Globals

	Apply      ApplyCmd      `cmd:"" help:"Apply core's pending migrations, then each enabled plugin's (default database: the embedded SQLite file)."`
	Status     StatusCmd     `cmd:"" help:"Show each branch's applied version, head and pending files; exit 1 when something is pending."`
	History    HistoryCmd    `cmd:"" help:"List the applied migrations of every branch (or one)."`
	Roles      RolesCmd      `cmd:"" help:"Print the SQL a database administrator runs once to create the PostgreSQL role of every enabled plugin (--print), or drop the plugin roles and accounts of databases that are gone (--drop-orphaned)."`
	Down       DownCmd       `cmd:"" help:"Take one branch back to an earlier version: the plan is computed from its history and live tables, printed, checked for data loss and run under the branch's own identity."`
	Baseline   BaselineCmd   `cmd:"" help:"Mark existing tables as a branch's given version, without running anything."`
	Adopt      AdoptCmd      `cmd:"" help:"Adopt existing tables: record, per branch without history, the newest version they match (unowned tables and other tools' histories are left untouched)."`
	Drift      DriftCmd      `cmd:"" help:"Compare the database with what its history says it holds; exit 1 on drift."`
	Merge      MergeCmd      `cmd:"" help:"Merge the --json reports of a fleet's shards (apply, status or drift --targets --shard K/N) into one; exit 1 if a shard is missing or a target failed or has work left."`
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
	stdout, stderr := namedHints(os.Args[0], os.Stdout, os.Stderr)
	os.Exit(run(os.Args[1:], stdout, stderr))
}

// sweepWait is how long a command waits, before it exits, for the sweep
// of what killed runs left on its server (devdb.SweepOnce).
const sweepWait = 45 * time.Second

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

// kongVars are the values help texts interpolate: the default database and
// the plugins that are off by default.
func kongVars() kong.Vars {
	off := strings.Join(plugin.Default().OffByDefault(), ", ")
	if off == "" {
		off = "none"
	}
	return kong.Vars{"default_db": DefaultDatabase, "off_by_default": off}
}

// run parses args, runs the command and returns the process exit code. It is
// main without the process, so tests run the CLI in-process.
func run(args []string, stdout, stderr io.Writer) int {
	exitCode := -1
	options := []kong.Option{
		kong.Name("plugmig"),
		kong.Description("Declarative, Atlas-backed schema migrations for an application and its plugins.\n\nExit codes: 0 success; 1 an error, or something to do (status, diff --check, lint); 2 bad usage."),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exitCode = code }),
		kong.BindTo(stdout, (*io.Writer)(nil)),
		kongVars(),
	}
	if err := checkUTF8(args); err != nil {
		fmt.Fprintln(stderr, "plugmig:", err)
		return 2
	}
	cwd, _ := os.Getwd()
	root, rootErr := findRoot(cwd)
	config := false
	if rootErr == nil {
		path := filepath.Join(root, "plugmig.json")
		_, statErr := os.Stat(path)
		config = statErr == nil
		options = append(options, kong.Configuration(strictJSON, path))
	}
	cli, globals := model(args, config)
	parser, err := kong.New(cli, options...)
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
	if tc, ok := ctx.Selected().Target.Addr().Interface().(targeted); ok {
		// JSON output is left as written: its reader knows which database
		// it asked about, and text inserted in a JSON string could break it.
		if !slices.Contains(args, "--json") {
			stdout = withTargetFlags(stdout, tc.target(), args)
		}
		stderr = withTargetFlags(stderr, tc.target(), args)
	}
	app := &App{Globals: *globals, Stdin: os.Stdin, Stdout: stdout, Stderr: stderr}
	if app.Root == "" {
		app.Root, app.rootErr = root, rootErr
	} else if err := checkRoot(app.Root); err != nil {
		fmt.Fprintln(stderr, "plugmig:", err)
		return 2
	}
	if len(app.Dialects) == 0 {
		fmt.Fprintln(stderr, "plugmig: no dialects: --dialects (or PLUGMIG_DIALECTS, or plugmig.json) is empty: name at least one of sqlite, postgres, mysql")
		return 2
	}
	err = dbdriver.ExplainLocked(ctx.Run(app, parser))
	devdb.WaitSweeps(sweepWait)
	if err != nil {
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

// utf8Env are the environment variables that name a database or folder.
var utf8Env = []string{"DATABASE_URL", "PLUGMIG_ROOT", "DEV_URL_POSTGRES", "DEV_URL_MYSQL"}

// checkUTF8 refuses an argument (or a variable of utf8Env) that is not
// valid UTF-8 before kong reads it: kong turns the bad bytes into U+FFFD,
// so a SQLite path would name another file, which apply would create.
func checkUTF8(args []string) error {
	for i, a := range args {
		if !utf8.ValidString(a) {
			return fmt.Errorf("argument %d (%q...) is not valid UTF-8: it would name another file or database than the one meant; give it in UTF-8 (rename the file if its name is not)", i+1, strings.ToValidUTF8(shortArg(a), "?"))
		}
	}
	for _, v := range utf8Env {
		if !utf8.ValidString(os.Getenv(v)) {
			return fmt.Errorf("%s is not valid UTF-8: it would name another file or database than the one meant; give it in UTF-8", v)
		}
	}
	return nil
}

// shortArg is the start of an argument, short enough for a message and
// never a URL's password: only what precedes "://" or the first 20 bytes.
func shortArg(a string) string {
	if i := strings.Index(a, "://"); i >= 0 {
		return a[:i+3]
	}
	if len(a) > 20 {
		return a[:20]
	}
	return a
}

// checkRoot refuses a --root that is not an existing folder: commands
// would otherwise create it (and a database in it).
func checkRoot(root string) error {
	fi, err := os.Stat(root)
	switch {
	case err != nil:
		return fmt.Errorf("--root %s: %w: pass the application's module root (the folder holding go.mod)", root, err)
	case !fi.IsDir():
		return fmt.Errorf("--root %s is not a folder: pass the application's module root (the folder holding go.mod)", root)
	}
	return nil
}

// strictJSON reads plugmig.json like kong.JSON, and refuses a key that is
// no flag of any command (a typo would otherwise be ignored silently).
func strictJSON(r io.Reader) (kong.Resolver, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return nil, fmt.Errorf("plugmig.json: %w: it holds one JSON object whose keys are flag names, e.g. {\"dialects\": [\"sqlite\"]}", err)
	}
	inner, err := kong.JSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return configResolver{Resolver: inner, keys: keys}, nil
}

type configResolver struct {
	kong.Resolver
	keys map[string]json.RawMessage
}

// Validate refuses the keys that name no flag.
func (c configResolver) Validate(app *kong.Application) error {
	known := map[string]bool{}
	var names []string
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, f := range n.Flags {
			name := strings.ReplaceAll(f.Name, "-", "_")
			if !known[name] {
				names = append(names, name)
			}
			known[name], known[f.Name] = true, true
			known[lowerCamel(f.Name)] = true
		}
		for _, child := range n.Children {
			walk(child)
		}
	}
	walk(app.Node)
	var unknown []string
	for k := range c.keys {
		if !known[k] {
			unknown = append(unknown, fmt.Sprintf("%q", k))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	sort.Strings(names)
	return fmt.Errorf("plugmig.json: unknown key(s) %s: the keys are flag names (%s); fix or remove them", strings.Join(unknown, ", "), strings.Join(names, ", "))
}

// lowerCamel is kong's camelCase spelling of a flag name ("dev-url" ->
// "devUrl"), which its JSON resolver also accepts.
func lowerCamel(name string) string {
	parts := strings.Split(name, "-")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// quickCommands are parsed with a model of the command alone: building the
// whole command line's model (every command's flags, tags and help
// interpolated) costs more than what these commands do.
var quickCommands = []string{"status", "heads"}

// model returns what kong parses args into, and where the global flags
// land: the whole CLI, or for a quick command a struct of the global flags
// and that command alone, whose parsing, errors and behaviour are the
// same. Help, and a plugmig.json (whose keys are checked against every
// command's flags), take the whole CLI.
func model(args []string, config bool) (cli any, globals *Globals) {
	full := &CLI{}
	if config || len(args) == 0 || !slices.Contains(quickCommands, args[0]) || slices.ContainsFunc(args, func(a string) bool {
		return a == "-h" || a == "--help" || a == "--"
	}) {
		return full, &full.Globals
	}
	t := reflect.TypeOf(CLI{})
	g, _ := t.FieldByName("Globals")
	fields := []reflect.StructField{g}
	for i := range t.NumField() {
		if f := t.Field(i); strings.EqualFold(f.Name, args[0]) {
			fields = append(fields, f)
		}
	}
	v := reflect.New(reflect.StructOf(fields))
	return v.Interface(), v.Elem().Field(0).Addr().Interface().(*Globals)
}
