package main

import (
	"io"
	"testing"

	"github.com/alecthomas/kong"
	"github.com/stretchr/testify/require"
)

// TestQuickModel: a quick command parsed with its model alone takes the
// same flags, in the same places, as with the whole CLI's model.
func TestQuickModel(t *testing.T) {
	for _, name := range quickCommands {
		t.Run(name, func(t *testing.T) {
			args := []string{name, "--root", "/r", "--dialects", "sqlite", "--json"}
			if name == "status" {
				args = append(args, "--url", "sqlite://x.db", "--plugins", "image", "--lock-timeout", "3s")
			}
			quick, qg := model(args, false)
			full, fg := model([]string{}, false)
			require.IsType(t, &CLI{}, full)
			require.NotEqual(t, &CLI{}, quick, "a quick command gets its own model")
			flags := func(cli any) []string {
				p, err := kong.New(cli, kong.Name("plugmig"), kongVars(), kong.Writers(io.Discard, io.Discard))
				require.NoError(t, err)
				ctx, err := p.Parse(args)
				require.NoError(t, err)
				var names []string
				for _, f := range ctx.Flags() {
					names = append(names, f.Name+"="+f.FormatPlaceHolder())
				}
				return names
			}
			require.Equal(t, flags(full), flags(quick))
			require.Equal(t, *fg, *qg)
			require.Equal(t, "/r", qg.Root)
			require.Equal(t, []string{"sqlite"}, qg.Dialects)
		})
	}
	// Help, and every other command, use the whole model.
	for _, args := range [][]string{{"status", "--help"}, {"heads", "-h"}, {"apply"}, nil} {
		cli, _ := model(args, false)
		require.IsType(t, &CLI{}, cli, "%q", args)
	}
}

// TestQuickModelConfig: with a plugmig.json, whose keys are checked against
// every command's flags, a quick command takes the whole model.
func TestQuickModelConfig(t *testing.T) {
	cli, _ := model([]string{"status"}, true)
	require.IsType(t, &CLI{}, cli)
}
