package cmd

import (
	"context"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/flow"
)

// JWTBearerOptions are the flags of `oidc jwt-bearer`.
type JWTBearerOptions struct {
	grantCmd
	Assertion, SignKey, Subject, AssertionIssuer string
	Params                                       []string
}

func newJWTBearerCmd(io *IO, g *GlobalOptions) *cobra.Command {
	opts := &JWTBearerOptions{grantCmd: grantCmd{Global: g}}
	c := &cobra.Command{
		Use:   "jwt-bearer (--assertion JWT | --sign-key FILE --sub SUBJECT) --issuer URL --client-id ID",
		Short: "Trade a signed JWT for tokens (the JWT bearer grant, RFC 7523), then verify them",
		Long: `Jwt-bearer sends a JWT assertion to the token endpoint as a grant (RFC 7523
2.1): one you give (--assertion), or one oidc signs with --sign-key for
--sub, issued by the client (or --assertion-iss), for the token endpoint,
for five minutes. Service accounts (Google), trust between issuers, and
Entra ID's on-behalf-of (--param requested_token_use=on_behalf_of, the
user's token as --assertion) use it.`,
		Example: `  # Entra ID on-behalf-of: the user's token for a token for the next API
  oidc jwt-bearer --issuer https://login.microsoftonline.com/$TENANT/v2.0 \
      --client-id $API_CLIENT --client-secret @secret.txt --assertion @user-token.txt \
      --param requested_token_use=on_behalf_of --scope https://graph.microsoft.com/.default

  # a service's own signed assertion for a user
  oidc jwt-bearer --issuer "$ISS" --client-id svc --sign-key svc-key.json --sub alice`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runJWTBearer(c.Context(), opts, io)
		},
	}
	f := c.Flags()
	opts.Client.add(f, true)
	f.StringVar(&opts.Assertion, "assertion", "", "the JWT assertion: the token, @FILE, or - for stdin")
	f.StringVar(&opts.SignKey, "sign-key", "", "sign the assertion with the private key in this `file` (JWK, JWKS or PEM)")
	f.StringVar(&opts.Subject, "sub", "", "with --sign-key: the subject of the assertion, the user the tokens are for")
	f.StringVar(&opts.AssertionIssuer, "assertion-iss", "", "with --sign-key: the assertion's iss (default: the client id)")
	f.StringArrayVar(&opts.Params, "param", nil, paramHelp)
	opts.addFlags(f, "")
	return c
}

func runJWTBearer(ctx context.Context, opts *JWTBearerOptions, io *IO) error {
	req := flow.JWTBearerRequest{Subject: opts.Subject, Issuer: opts.AssertionIssuer, Params: url.Values{}}
	switch {
	case opts.Assertion != "" && opts.SignKey != "":
		return usageError("give --assertion or --sign-key, not both")
	case opts.Assertion != "":
		a, err := tokenValue(ctx, io, "--assertion", opts.Assertion)
		if err != nil {
			return err
		}
		req.Assertion = a
	case opts.SignKey != "":
		if opts.Subject == "" {
			return usageError("--sign-key needs --sub: the user the assertion is about")
		}
		k, err := signingKeyFile(ctx, "--sign-key", opts.SignKey)
		if err != nil {
			return err
		}
		req.Key = &k
	default:
		return usageError("give the assertion (--assertion) or a key to sign one with (--sign-key and --sub)")
	}
	for _, kv := range opts.Params {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usageError("--param %q: use key=value", kv)
		}
		if k == "grant_type" || k == "assertion" || flow.IsSecretParam(k) {
			return usageError("--param %s: oidc sets %s itself", k, k)
		}
		req.Params.Add(k, v)
	}
	sess, err := opts.start(ctx, io)
	if err != nil {
		return err
	}
	defer sess.close()
	req.FlowRequest = opts.request(io)
	report, err := sess.client.RunJWTBearer(ctx, req)
	return opts.finish(ctx, io, report, err)
}
