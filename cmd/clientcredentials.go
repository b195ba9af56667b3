package cmd

import (
	"context"

	"github.com/spf13/cobra"
)

// ClientCredentialsOptions are the flags of `oidc client-credentials`.
type ClientCredentialsOptions struct {
	Global     *GlobalOptions
	Client     clientFlags
	Grant      grantFlags
	Net        networkFlags
	Checks     checkFlags
	Output     outputFlags
	ShowTokens bool
}

func newClientCredentialsCmd(io *IO, g *GlobalOptions) *cobra.Command {
	opts := &ClientCredentialsOptions{Global: g}
	c := &cobra.Command{
		Use:     "client-credentials --issuer URL --client-id ID --client-secret SECRET",
		Aliases: []string{"cc"},
		Short:   "Get a token for a machine client (the client credentials grant), then verify it",
		Long: `Client-credentials asks the token endpoint for a token for the client
itself (RFC 6749 4.4): no user, no browser. The client authenticates with
its secret (--client-secret, @FILE or $OIDC_CLIENT_SECRET).

An access token that is an RFC 9068 JWT gets every check of oidc verify
--type access, its audience the --resource or --audience asked for;
another is shown as the API's to check.`,
		Example: `  # a token for an API, Auth0 style (the audience parameter)
  OIDC_CLIENT_SECRET=... oidc client-credentials --issuer https://tenant.auth0.com/ \
      --client-id abc --audience https://api.example.com

  # RFC 8707 resource indicators, the token alone for a script
  oidc cc --issuer "$ISS" --client-id svc --client-secret @secret.txt \
      --resource https://api.example.com --jq .token_response.access_token`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClientCredentials(c.Context(), opts, io)
		},
	}
	f := c.Flags()
	opts.Client.add(f, true)
	opts.Grant.add(f, "")
	opts.Checks.add(f)
	opts.Net.add(f)
	opts.Output.add(f, true)
	f.BoolVar(&opts.ShowTokens, "show-tokens", false, "print raw tokens in full")
	return c
}

func runClientCredentials(ctx context.Context, opts *ClientCredentialsOptions, io *IO) error {
	if err := opts.Client.resolve(ctx, io); err != nil {
		return err
	}
	if opts.Client.Issuer == "" || opts.Client.ClientID == "" {
		return usageError("--issuer and --client-id are required (or $OIDC_ISSUER and $OIDC_CLIENT_ID)")
	}
	if opts.Client.ClientSecret == "" && opts.Client.ClientKey == "" {
		return usageError("the client credentials grant needs the client's credentials: --client-secret (@FILE, $OIDC_CLIENT_SECRET) or --client-key")
	}
	if _, err := opts.Output.jq(); err != nil {
		return err
	}
	if _, err := opts.Checks.maxAge(); err != nil {
		return err
	}
	sess, err := opts.Net.client(io, opts.Global, false, true)
	if err != nil {
		return err
	}
	defer sess.close()
	if err := opts.Grant.dpop(ctx, sess.client); err != nil {
		return err
	}
	report, err := sess.client.RunClientCredentials(ctx, flowRequest(io, opts.Global, &opts.Client, &opts.Grant, &opts.Checks, nil))
	if err != nil {
		return err
	}
	return writeFlowReport(ctx, io, opts.Global, &opts.Output, report, opts.ShowTokens)
}
