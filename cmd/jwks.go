package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/flow"
	"github.com/oidcdev/oidc/render"
)

// JWKSOptions are the flags of `oidc jwks`.
type JWKSOptions struct {
	lintFlags
	Arg string
}

func newJWKSCmd(io *IO, g *GlobalOptions) *cobra.Command {
	opts := &JWKSOptions{lintFlags: lintFlags{Global: g}}
	c := &cobra.Command{
		Use:   "jwks [ISSUER | JWKS-URL | @FILE]",
		Short: "Show each key of an issuer's key set and lint it",
		Long: `Jwks shows each key of a JWK Set: kid, kty, alg, use, key_ops, size or
curve, RFC 7638 thumbprint, and for x5c the certificate's subject, issuer,
validity and whether x5t and x5t#S256 match. Then it lints the set:
private key members published (critical), symmetric keys published,
duplicate kids, keys with neither alg nor use, RSA under 2048 bits, ROCA
moduli, EC points off their curve, certificates out of date, alg and kty
at odds. The set comes from an issuer (its jwks_uri), a JWKS URL, or a
file; exit 1 when a finding of error severity or worse is there.`,
		Example: `  oidc jwks https://accounts.google.com
  oidc jwks https://www.googleapis.com/oauth2/v3/certs --json
  oidc jwks @keys.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Arg = args[0]
			}
			return runJWKS(c.Context(), opts, io)
		},
	}
	opts.add(c.Flags())
	return c
}

// keySetReport is `oidc jwks --json`.
type keySetReport struct {
	Source string `json:"source"`
	*decode.KeySetLint
	Valid bool `json:"valid"`
}

func runJWKS(ctx context.Context, opts *JWKSOptions, io *IO) error {
	if _, err := opts.Output.jq(); err != nil {
		return err
	}
	var data []byte
	var source string
	if path, ok := strings.CutPrefix(opts.Arg, "@"); ok && path != "" {
		var err error
		if data, err = readPath(ctx, "", path, path); err != nil {
			return err
		}
		source = "file " + path
	} else {
		target, err := issuerArgument(ctx, io, &opts.Client, opts.Arg)
		if err != nil {
			return err
		}
		sess, err := opts.Net.client(io, opts.Global, false, true)
		if err != nil {
			return err
		}
		defer sess.close()
		if data, source, err = fetchKeySet(ctx, sess.client, target); err != nil {
			return err
		}
	}
	l := decode.LintJWKS(data, time.Now())
	rep := keySetReport{Source: source, KeySetLint: l, Valid: !decode.Failing(l.Findings)}
	var err error
	if opts.SARIF {
		err = writeSARIF(io, source, l.Findings)
	} else {
		err = writeResult(ctx, io, opts.Global, &opts.Output, rep, func(p *render.Printer) { p.KeySet(source, l) })
	}
	if err != nil {
		return err
	}
	return lintFailed(l.Findings)
}

// fetchKeySet gets a JWKS from a URL that serves one, or from the
// jwks_uri of the issuer the URL names.
func fetchKeySet(ctx context.Context, c *flow.Client, target string) ([]byte, string, error) {
	if f, err := c.GetJSON(ctx, target, true); err == nil {
		var probe struct {
			Keys json.RawMessage `json:"keys"`
		}
		if json.Unmarshal(f.Body, &probe) == nil && probe.Keys != nil {
			return f.Body, target, nil
		}
	}
	md, _, err := c.Discovered(ctx, target, flow.Endpoints{}, func(string) {})
	if err != nil {
		return nil, "", err
	}
	if md.JWKSURI == "" {
		return nil, "", &flow.Error{URL: md.Source, Err: fmt.Errorf("the metadata of %s has no jwks_uri", target)}
	}
	f, err := c.GetJSON(ctx, md.JWKSURI, true)
	if err != nil {
		return nil, "", err
	}
	return f.Body, "jwks_uri " + md.JWKSURI, nil
}
