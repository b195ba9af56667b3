package cmd

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/flow"
)

func newDPoPProofCmd(io *IO, _ *GlobalOptions) *cobra.Command {
	var key, method, target, accessToken, nonce string
	c := &cobra.Command{
		Use:   "dpop-proof --dpop-key FILE --url URL [--method GET] [--token TOKEN]",
		Short: "Print a DPoP proof for your own request to an API (RFC 9449)",
		Long: `Dpop-proof signs one DPoP proof (RFC 9449 4) for a request a script makes
itself: htm the method, htu the URL without query or fragment, a fresh
jti and iat, ath when the access token is given, and the nonce the server
asked for. The key is the one the token is bound to (--dpop-key, as given
to oidc login or client-credentials). A proof is for one request.`,
		Example: `  proof=$(oidc dpop-proof --dpop-key dpop.json --url https://api.example.com/orders --token "$AT")
  curl -H "Authorization: DPoP $AT" -H "DPoP: $proof" https://api.example.com/orders`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runDPoPProof(c.Context(), io, key, method, target, accessToken, nonce)
		},
	}
	f := c.Flags()
	f.StringVar(&key, "dpop-key", "", dpopKeyHelp)
	f.StringVar(&method, "method", "GET", methodHelp)
	f.StringVar(&target, "url", "", "the request's `URL`")
	f.StringVar(&accessToken, "token", "", "the access token the request carries, bound by ath: the token, @FILE or -")
	f.StringVar(&nonce, "dpop-nonce", "", "the DPoP-Nonce the server asked for")
	return c
}

func runDPoPProof(ctx context.Context, io *IO, key, method, target, accessToken, nonce string) error {
	if key == "" || target == "" {
		return usageError("--dpop-key and --url are required")
	}
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || u.Scheme != "https" && u.Scheme != "http" {
		return usageError("--url %q: an absolute http(s) URL", target)
	}
	k, err := signingKeyFile(ctx, "--dpop-key", key)
	if err != nil {
		return err
	}
	d, err := flow.NewDPoP(k)
	if err != nil {
		return usageError("--dpop-key: %v", err)
	}
	if nonce != "" {
		d.SetNonce(u.Host, nonce)
	}
	at := ""
	if accessToken != "" {
		if at, err = tokenValue(ctx, io, "--token", accessToken); err != nil {
			return err
		}
	}
	proof, err := d.Proof(strings.ToUpper(method), target, at)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(io.Out, proof); err != nil {
		return outputError(err)
	}
	return nil
}
