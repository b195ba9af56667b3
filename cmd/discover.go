package cmd

import (
	"context"
	"errors"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/internal/version"
	"github.com/oidcdev/oidc/render"
)

// lintFlags are what discover and jwks share: the issuer, the network,
// the output and SARIF.
type lintFlags struct {
	Global *GlobalOptions
	Client clientFlags
	Net    networkFlags
	Output outputFlags
	SARIF  bool
}

func (l *lintFlags) add(f *pflag.FlagSet) {
	l.Client.add(f, false)
	l.Net.add(f)
	l.Output.add(f, false)
	f.BoolVar(&l.SARIF, "sarif", false, sarifHelp)
}

// DiscoverOptions are the flags of `oidc discover`.
type DiscoverOptions struct {
	lintFlags
	Issuer string // the argument
}

func newDiscoverCmd(io *IO, g *GlobalOptions) *cobra.Command {
	opts := &DiscoverOptions{lintFlags: lintFlags{Global: g}}
	c := &cobra.Command{
		Use:   "discover [ISSUER]",
		Short: "Fetch an issuer's metadata at every well-known URL, check its endpoints and keys, and lint it",
		Long: `Discover fetches the OpenID discovery document and the RFC 8414 metadata of
an issuer (for an issuer with a path, every well-known form, saying which
answered), shows the endpoints and capabilities, checks that each endpoint
answers, lints the key set, and lints the metadata: the issuer exactly the
URL, https everywhere (loopback excepted), the members OIDC Discovery and
RFC 8414 require, PKCE S256, grants and response types RFC 9700 advises
against, none or HMAC for ID tokens, RFC 9207, vendor quirks.

Every finding has a stable id, a severity (critical, error, warning,
info), the clause it comes from and a fix. The exit code is 1 when a
finding of error severity or worse is there, so CI can lint an issuer.`,
		Example: `  oidc discover https://accounts.google.com
  oidc discover --profile work --json | jq '.findings[] | select(.severity != "info")'
  oidc discover "$ISS" --jq '.findings[].id'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Issuer = args[0]
			}
			return runDiscover(c.Context(), opts, io)
		},
	}
	opts.add(c.Flags())
	return c
}

// issuerArgument is the issuer an argument or the client flags name (a
// discovery URL taken back to its issuer by resolve, as everywhere).
func issuerArgument(ctx context.Context, io *IO, c *clientFlags, arg string) (string, error) {
	if arg != "" {
		if c.flags.Changed("issuer") {
			return "", usageError("the issuer is given twice: as an argument and as --issuer")
		}
		// Set as the flag, so that a profile's issuer does not replace it.
		if err := c.flags.Set("issuer", arg); err != nil {
			return "", usageError("%v", err)
		}
		c.issuerFrom = "the issuer argument"
	}
	c.deferCredentials = true
	if err := c.resolve(ctx, io); err != nil {
		return "", err
	}
	if c.Issuer == "" {
		return "", usageError("give the issuer: as an argument, --issuer, --profile or $OIDC_ISSUER")
	}
	return c.Issuer, nil
}

func runDiscover(ctx context.Context, opts *DiscoverOptions, io *IO) error {
	iss, err := issuerArgument(ctx, io, &opts.Client, opts.Issuer)
	if err != nil {
		return err
	}
	if _, err := opts.Output.jq(); err != nil {
		return err
	}
	sess, err := opts.Net.client(io, opts.Global, false, true)
	if err != nil {
		return err
	}
	defer sess.close()
	rep, err := sess.client.DiscoverAll(ctx, iss)
	if err != nil && rep == nil {
		return err
	}
	if err != nil {
		// Nothing answered: the documents tried are the report.
		_ = writeResult(ctx, io, opts.Global, &opts.Output, rep, func(p *render.Printer) { p.Discover(rep) })
		return err
	}
	if opts.SARIF {
		err = writeSARIF(io, rep.Source, rep.Findings)
	} else {
		err = writeResult(ctx, io, opts.Global, &opts.Output, rep, func(p *render.Printer) { p.Discover(rep) })
	}
	if err != nil {
		return err
	}
	if !rep.Valid {
		return &ExitError{Code: ExitCheckFailed, Silent: true, Err: errors.New("the metadata has errors")}
	}
	return nil
}

const sarifHelp = "print the findings as a SARIF 2.1.0 log, for code scanning"

func writeSARIF(io *IO, uri string, fs []decode.Finding) error {
	// Sources read "jwks_uri URL" or "file PATH": the URI is the last word.
	if i := strings.LastIndexByte(uri, ' '); i >= 0 {
		uri = uri[i+1:]
	}
	if err := render.SARIF(io.Out, version.Get().Version, uri, fs); err != nil {
		return outputError(err)
	}
	return nil
}

// lintFailed is the exit of a lint with errors.
func lintFailed(fs []decode.Finding) error {
	if decode.Failing(fs) {
		return &ExitError{Code: ExitCheckFailed, Silent: true, Err: errors.New("lint errors")}
	}
	return nil
}
