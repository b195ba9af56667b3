package cmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/flow"
)

// RefreshOptions are the flags of `oidc refresh`.
type RefreshOptions struct {
	grantCmd
	RefreshToken, IDToken string
}

func newRefreshCmd(io *IO, g *GlobalOptions) *cobra.Command {
	opts := &RefreshOptions{grantCmd: grantCmd{Global: g}}
	c := &cobra.Command{
		Use:   "refresh --refresh-token TOKEN --issuer URL --client-id ID",
		Short: "Use a refresh token, then verify the new tokens and say whether it rotated",
		Long: `Refresh trades a refresh token for new tokens (RFC 6749 6) and checks them
as a login's: the new ID token against the original (--id-token: the same
iss, sub, aud and auth_time, OIDC Core 12.2), userinfo with the new access
token. It says whether the refresh token rotated; a refused one is
explained (expired, revoked, reused: many issuers revoke a whole login
when a rotated refresh token comes back).`,
		Example: `  oidc refresh --issuer "$ISS" --client-id cli --refresh-token @rt.txt --id-token @id.txt
  oidc login ... --scope 'openid offline_access' --jq .token_response.refresh_token > rt.txt`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runRefresh(c.Context(), opts, io)
		},
	}
	f := c.Flags()
	opts.Client.add(f, true)
	f.StringVar(&opts.RefreshToken, "refresh-token", "", "the refresh token: the token, @FILE, or - for stdin")
	f.StringVar(&opts.IDToken, "id-token", "", "the ID token of the login, to compare the new one with: the token or @FILE")
	opts.addFlags(f, "")
	return c
}

func runRefresh(ctx context.Context, opts *RefreshOptions, io *IO) error {
	if opts.RefreshToken == "" {
		return usageError("--refresh-token is required: the token, @FILE, or - for stdin")
	}
	rt, err := tokenValue(ctx, io, "--refresh-token", opts.RefreshToken)
	if err != nil {
		return err
	}
	var original string
	if opts.IDToken != "" {
		if err := oneStdin("--refresh-token", opts.RefreshToken, "--id-token", opts.IDToken); err != nil {
			return err
		}
		if original, err = tokenValue(ctx, io, "--id-token", opts.IDToken); err != nil {
			return err
		}
	}
	sess, err := opts.start(ctx, io)
	if err != nil {
		return err
	}
	defer sess.close()
	report, err := sess.client.RunRefresh(ctx, flow.RefreshRequest{FlowRequest: opts.request(io), RefreshToken: rt, Original: original})
	return opts.finish(ctx, io, report, err)
}
