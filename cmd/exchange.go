package cmd

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/flow"
)

// ExchangeOptions are the flags of `oidc exchange`.
type ExchangeOptions struct {
	grantCmd
	SubjectToken, SubjectTokenType string
	ActorToken, ActorTokenType     string
	RequestedTokenType             string
}

func newExchangeCmd(io *IO, g *GlobalOptions) *cobra.Command {
	opts := &ExchangeOptions{grantCmd: grantCmd{Global: g}}
	c := &cobra.Command{
		Use:   "exchange --subject-token TOKEN --issuer URL --client-id ID",
		Short: "Exchange a token for another (RFC 8693 token exchange), then verify what came back",
		Long: `Exchange sends a token to the issuer's token endpoint and gets another for it
(RFC 8693): a token for another API (--audience, --resource), fewer scopes,
or, with --actor-token, a token that says who acts for whom. The client
authenticates as for every grant.

Token types are names (access_token, refresh_token, id_token, jwt, saml1,
saml2) or full URIs. The issued token gets the checks its type calls for;
a refused exchange says what the issuer's answer usually means (Keycloak,
Auth0 and Entra ID each do it their own way).`,
		Example: `  # a token for another API, from the one you have
  oidc exchange --issuer "$ISS" --client-id gateway --client-secret @secret.txt \
      --subject-token @access-token.txt --audience https://orders.example.com

  # the token from a pipe
  oidc login ... --jq .token_response.access_token | oidc exchange --subject-token - ...`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runExchange(c.Context(), opts, io)
		},
	}
	f := c.Flags()
	opts.Client.add(f, true)
	f.StringVar(&opts.SubjectToken, "subject-token", "", "the token to exchange: the token, @FILE, or - for stdin")
	f.StringVar(&opts.SubjectTokenType, "subject-token-type", "access_token", "its type: access_token, refresh_token, id_token, jwt, saml1, saml2 or a URI")
	f.StringVar(&opts.ActorToken, "actor-token", "", "the token of who acts for the subject (delegation): the token, @FILE or -")
	f.StringVar(&opts.ActorTokenType, "actor-token-type", "access_token", "the actor token's type")
	f.StringVar(&opts.RequestedTokenType, "requested-token-type", "", "the type of token wanted (default: the issuer's choice)")
	opts.addFlags(f, "")
	return c
}

func runExchange(ctx context.Context, opts *ExchangeOptions, io *IO) error {
	if opts.SubjectToken == "" {
		return usageError("--subject-token is required: the token to exchange, @FILE, or - for stdin")
	}
	subject, err := tokenValue(ctx, io, "--subject-token", opts.SubjectToken)
	if err != nil {
		return err
	}
	var actor string
	if opts.ActorToken != "" {
		if err := oneStdin("--subject-token", opts.SubjectToken, "--actor-token", opts.ActorToken); err != nil {
			return err
		}
		if actor, err = tokenValue(ctx, io, "--actor-token", opts.ActorToken); err != nil {
			return err
		}
	}
	sess, err := opts.start(ctx, io)
	if err != nil {
		return err
	}
	defer sess.close()
	report, err := sess.client.RunExchange(ctx, flow.ExchangeRequest{
		FlowRequest:  opts.request(io),
		SubjectToken: subject, SubjectTokenType: opts.SubjectTokenType,
		ActorToken: actor, ActorTokenType: opts.ActorTokenType, RequestedTokenType: opts.RequestedTokenType,
	})
	return opts.finish(ctx, io, report, err)
}

// oneStdin refuses two token flags that would both read stdin.
func oneStdin(flagA, a, flagB, b string) error {
	if a == "-" && b == "-" {
		return usageError("%s and %s cannot both be read from stdin", flagA, flagB)
	}
	return nil
}

// tokenValue is a token given as a flag (or an endpoint command's
// argument): itself, @FILE (or a file named without its @), or - for stdin
// (never prompted for: stdin must not be a terminal), white space and a
// Bearer prefix dropped.
func tokenValue(ctx context.Context, io *IO, flag, v string) (string, error) {
	var data []byte
	var err error
	if v == "-" {
		if io.InTTY {
			return "", usageError("%s -: stdin is a terminal; pipe the token, or give it as @FILE", flag)
		}
		data, err = readAll(ctx, io.In, "stdin")
	} else {
		data, err = tokenArgument(ctx, io, flag, v)
	}
	if err != nil {
		return "", err
	}
	t := strings.TrimSpace(string(data))
	t = strings.TrimSpace(strings.TrimPrefix(t, "Bearer "))
	if t == "" {
		return "", usageError("%s: empty", flag)
	}
	return t, nil
}
