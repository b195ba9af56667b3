// Package cmd is the oidc command tree. Commands parse flags into an options
// struct and hand it to a run function that takes an IO, so tests drive the
// same code the binary runs.
package cmd

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/internal/version"
	"github.com/oidcdev/oidc/render"
)

// GlobalOptions are the flags every command takes.
type GlobalOptions struct {
	NoColor bool
	// ran is set once a command's own run starts: an error before that
	// is cobra's, about the arguments.
	ran bool
}

// Main runs the program with the process's arguments and streams and returns
// its exit code.
func Main() int {
	ctx := &signalContext{Context: context.Background()}
	defer ctx.stop()
	return Run(ctx, os.Args[1:], SystemIO())
}

// signalContext is cancelled by SIGINT and SIGTERM, once something waits on
// it. Catching signals costs a thread, a tenth of a millisecond and more:
// a sixth of a short command's run. So the handler is installed on the
// first call to Done, which every wait on stdin, the network, a browser or
// a server makes; a command that never waits (oidc decode TOKEN) ends long
// before anyone could press Ctrl-C, and if someone did, the default action
// ends it, which shells report as 130 too (SIGTERM: 143).
type signalContext struct {
	context.Context
	once      sync.Once
	installed atomic.Bool
	signal    context.Context
	cancel    context.CancelFunc
}

func (s *signalContext) install() {
	s.once.Do(func() {
		s.signal, s.cancel = signal.NotifyContext(s.Context, os.Interrupt, syscall.SIGTERM)
		go func() {
			<-s.signal.Done()
			s.cancel() // a second Ctrl-C kills at once
		}()
		s.installed.Store(true)
	})
}

func (s *signalContext) Done() <-chan struct{} {
	s.install()
	return s.signal.Done()
}

func (s *signalContext) Err() error {
	if !s.installed.Load() { // no handler: no signal was caught
		return nil
	}
	return s.signal.Err()
}

func (s *signalContext) stop() {
	if s.installed.Load() {
		s.cancel()
	}
}

// Run executes one command line and returns the exit code.
func Run(ctx context.Context, args []string, io *IO) int {
	g := &GlobalOptions{}
	root := newRootCmd(io, g, subcommandOf(args))
	if isCompletion(args) {
		registerCompletions(root, io)
	}
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil && !g.ran {
		err = cobraError{err}
	}
	if errors.Is(err, errStopped) {
		return ExitOK // a server stopped by a signal: its normal end
	}
	if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
		render.ErrorLine(io.Err, io.ErrTheme(g), "interrupted")
		return ExitInterrupted
	}
	if err != nil {
		var ee *ExitError
		if !errors.As(err, &ee) || !ee.Silent {
			msg := oneLine(errorMessage(err))
			render.ErrorLine(io.Err, io.ErrTheme(g), msg)
			var ce cobraError
			if errors.As(err, &ce) {
				// cobra's own flag and argument errors: point at the help.
				render.ErrorLine(io.Err, io.ErrTheme(g), "run '"+commandPath(root, args)+" --help' for usage")
			}
		}
	}
	return exitCode(err)
}

// oneLine folds cobra's multi-line suggestion for a mistyped command into
// the one-line error every failure gets.
func oneLine(msg string) string {
	if head, names, ok := strings.Cut(msg, "\n\nDid you mean this?\n"); ok {
		return head + "; did you mean " + strings.Join(strings.Fields(names), " or ") + "?"
	}
	return msg
}

// commandPath names the (sub)command the arguments select, for usage hints.
func commandPath(root *cobra.Command, args []string) string {
	c, _, err := root.Find(args)
	if err != nil || c == nil {
		return root.Name()
	}
	return c.CommandPath()
}

//go:embed json_help.txt
var jsonHelpText string

// subcommands build oidc's own commands. Building one is cheap; building
// all of them, with their flags, is a fifth of a short command's process
// time, so Run builds only the one the arguments name.
var subcommands = map[string]func(*IO, *GlobalOptions) *cobra.Command{
	"decode":             newDecodeCmd,
	"verify":             newVerifyCmd,
	"login":              newLoginCmd,
	"serve":              newServeCmd,
	"client-credentials": newClientCredentialsCmd,
	"cc":                 newClientCredentialsCmd,
	"keygen":             newKeygenCmd,
	"exchange":           newExchangeCmd,
	"jwt-bearer":         newJWTBearerCmd,
	"dpop-proof":         newDPoPProofCmd,
	"refresh":            newRefreshCmd,
	"token":              newTokenCmd,
	"config":             newConfigCmd,
	"logout":             newLogoutCmd,
	"discover":           newDiscoverCmd,
	"jwks":               newJWKSCmd,
	"introspect":         newIntrospectCmd,
	"revoke":             newRevokeCmd,
	"userinfo":           newUserinfoCmd,
	"probe":              newProbeCmd,
	"version":            func(io *IO, _ *GlobalOptions) *cobra.Command { return newVersionCmd(io) },
}

// subcommandOf returns the subcommand the arguments name when it is one of
// oidc's own, else "" (help, completion, a typo to suggest a fix for: those
// need the whole tree). Only --no-color and --help/--version come before
// a subcommand, and none of them takes a value.
func subcommandOf(args []string) string {
	for _, a := range args {
		if a == "--" {
			return ""
		}
		if !strings.HasPrefix(a, "-") {
			if _, ok := subcommands[a]; ok {
				return a
			}
			return ""
		}
	}
	return ""
}

// newRootCmd builds the root command with every subcommand, or with only
// the one named.
func newRootCmd(io *IO, g *GlobalOptions, only string) *cobra.Command {
	root := &cobra.Command{
		Use:   "oidc",
		Short: "Inspect tokens and debug OpenID Connect flows",
		Long: `oidc shows exactly what an issuer hands back and why a token is or is not valid.

Decode a JWT, JWE, token response or callback URL, offline:
  oidc decode eyJhbGciOi...

Output is for people on a terminal and plain when piped; --json gives one
JSON document per token for scripts, --jq filters it.`,
		Version:       version.Get().Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Colour and prompts are decided per stream; nothing here may block.
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: false},
	}
	io.global = g
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.Err)
	root.SetVersionTemplate(version.Get().String() + "\n")
	root.PersistentFlags().BoolVar(&g.NoColor, "no-color", false, "never colour the output (also: NO_COLOR=1)")
	// Flag errors stay plain errors, with the nearest flag suggested for
	// an unknown one: Run prints them with the --help hint.
	root.SetFlagErrorFunc(flagError)
	root.SetUsageTemplate(strings.TrimRight(root.UsageTemplate(), "\n") + "\n\n" + exitCodesHelp)
	// A help topic: the --json schemas travel with the binary.
	root.AddCommand(&cobra.Command{Use: "json", Short: "The --json schema of every command", Long: strings.TrimRight(jsonHelpText, "\n")})
	// On a terminal (or with $COLUMNS), help fits the width, broken at
	// words: cobra prints flag usages on one line however long, and the
	// terminal would cut them anywhere.
	cobraHelp := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		if io.Width <= 0 {
			cobraHelp(c, args)
			return
		}
		var buf bytes.Buffer
		c.SetOut(&buf)
		cobraHelp(c, args)
		c.SetOut(nil)
		root.SetOut(io.Out)
		_, _ = io.Out.Write([]byte(render.WrapHelp(buf.String(), io.Width)))
	})

	names := []string{"decode", "verify", "login", "client-credentials", "exchange", "jwt-bearer", "refresh", "token", "logout", "config", "discover", "jwks", "userinfo", "introspect", "revoke", "probe", "keygen", "dpop-proof", "serve", "version"}
	if only != "" {
		names = []string{only}
		// cobra would build its completion commands on every run.
		root.CompletionOptions.DisableDefaultCmd = true
	}
	add := func(c *cobra.Command) {
		if run := c.RunE; run != nil {
			c.RunE = func(c *cobra.Command, args []string) error {
				g.ran = true
				return run(c, args)
			}
		}
		root.AddCommand(c)
	}
	for _, name := range names {
		add(subcommands[name](io, g))
	}
	if only == "" {
		// man needs the whole tree; it is never built alone.
		add(newManCmd(io, root))
	}
	return root
}
