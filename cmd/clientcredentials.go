package cmd

import (
	"context"

	"github.com/spf13/cobra"
)

// ClientCredentialsOptions are the flags of `oidc client-credentials`.
type ClientCredentialsOptions struct {
	grantCmd
}

func newClientCredentialsCmd(io *IO, g *GlobalOptions) *cobra.Command {
	opts := &ClientCredentialsOptions{grantCmd{Global: g}}
	c := &cobra.Command{
		Use:     "client-credentials --issuer URL --client-id ID --client-secret SECRET",
		Aliases: []string{"cc"},
		Short:   "Get a token for a machine client (the client credentials grant), then verify it",
		Long: `Client-credentials asks the token endpoint for a token for the client
itself (RFC 6749 4.4): no user, no browser. The client authenticates with
its secret (--client-secret, @FILE or $OIDC_CLIENT_SECRET) or its key
(--client-key, private_key_jwt).

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
	opts.Client.add(c.Flags(), true)
	opts.addFlags(c.Flags(), "")
	return c
}

func runClientCredentials(ctx context.Context, opts *ClientCredentialsOptions, io *IO) error {
	sess, err := opts.start(ctx, io)
	if err != nil {
		return err
	}
	defer sess.close()
	if opts.Client.ClientSecret == "" && opts.Client.ClientKey == "" && opts.Net.TLSCert == "" {
		return usageError("the client credentials grant needs the client's credentials: --client-secret (@FILE, $OIDC_CLIENT_SECRET), --client-key, or --tls-cert and --tls-key")
	}
	report, err := sess.client.RunClientCredentials(ctx, opts.request(io))
	return opts.finish(ctx, io, report, err)
}
