package cmd

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/flow"
	"github.com/oidcdev/oidc/internal/cache"
	"github.com/oidcdev/oidc/render"
)

// endpointCmd is what introspect, revoke and userinfo share: the client,
// the network, the output, and a token given or from the cache.
type endpointCmd struct {
	Global   *GlobalOptions
	Client   clientFlags
	Net      networkFlags
	Output   outputFlags
	Leeway   time.Duration
	Endpoint string
	Cached   string
	Hint     string
	DPoPKey  string
	token    string // the argument
}

func (e *endpointCmd) add(f *pflag.FlagSet, endpointFlag, endpointHelp string, withSecret, hint bool) {
	e.Client.add(f, withSecret)
	f.StringVar(&e.Endpoint, endpointFlag, "", endpointHelp)
	f.StringVar(&e.Cached, "cached", "access_token", "with no TOKEN: which cached token of the profile to use, access_token or refresh_token")
	if hint {
		f.StringVar(&e.Hint, "token-type-hint", "", "token_type_hint: access_token or refresh_token (default: what --cached chose, none for a TOKEN given)")
	}
	f.DurationVar(&e.Leeway, "leeway", 60*time.Second, "clock skew allowed in time checks")
	e.Net.add(f)
	e.Output.add(f, false)
}

// resolve reads the flags and the token: the argument (TOKEN, @FILE or
// - for stdin), else the profile's cached one. It returns the cached set
// when the token came from it.
func (e *endpointCmd) resolve(ctx context.Context, io *IO) (*cache.Tokens, error) {
	if err := e.Client.resolve(ctx, io); err != nil {
		return nil, err
	}
	if e.Client.Issuer == "" || e.Client.ClientID == "" {
		return nil, usageError("--issuer and --client-id are required (or --profile NAME, or $OIDC_ISSUER and $OIDC_CLIENT_ID)")
	}
	if _, err := e.Output.jq(); err != nil {
		return nil, err
	}
	if e.token != "" {
		tok, err := tokenValue(ctx, io, "TOKEN", e.token)
		e.token = tok
		return nil, err
	}
	if !slices.Contains([]string{"access_token", "refresh_token"}, e.Cached) {
		return nil, usageError("--cached %q: access_token or refresh_token", e.Cached)
	}
	store, err := openTokens(io)
	if err != nil {
		return nil, err
	}
	key := cache.TokenKey{Issuer: e.Client.Issuer, ClientID: e.Client.ClientID, Scopes: strings.Fields(loginScope)}
	if p := e.Client.profile; p != nil {
		key = profileKey(p)
		key.Issuer, key.ClientID = e.Client.Issuer, e.Client.ClientID
	}
	t, err := store.Get(key)
	if err != nil {
		return nil, err
	}
	if t != nil {
		e.token = t.AccessToken
		if e.Cached == "refresh_token" {
			e.token = t.RefreshToken
		}
	}
	if e.token == "" {
		return nil, usageError("give the TOKEN (or @FILE, or - for stdin): no cached %s for %s", e.Cached, orDefault(e.Client.Profile, "these --issuer and --client-id"))
	}
	if e.Hint == "" {
		e.Hint = e.Cached
	}
	return t, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// session builds the client, with the DPoP key of a cached DPoP set or
// --dpop-key.
func (e *endpointCmd) session(ctx context.Context, io *IO, cached *cache.Tokens) (*session, error) {
	if err := e.Client.credentials(ctx, io); err != nil {
		return nil, err
	}
	sess, err := e.Net.client(io, e.Global, false, true)
	if err != nil {
		return nil, err
	}
	var key jose.JSONWebKey
	switch {
	case e.DPoPKey != "":
		key, err = signingKeyFile(ctx, "--dpop-key", e.DPoPKey)
	case cached != nil && len(cached.DPoPKey) > 0:
		err = key.UnmarshalJSON(cached.DPoPKey)
	default:
		return sess, nil
	}
	if err == nil {
		sess.client.DPoP, err = flow.NewDPoP(key)
	}
	if err != nil {
		sess.close()
		return nil, usageError("the DPoP key: %v", err)
	}
	return sess, nil
}

func (e *endpointCmd) request(io *IO) flow.FlowRequest {
	c := &e.Client
	return flow.FlowRequest{Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: c.ClientSecret, AuthMethod: c.AuthMethod,
		ClientKey: c.key, AssertionAudience: c.AssertionAud, Leeway: e.Leeway, Flags: optionFlags,
		Warn: func(msg string) { render.WarnLine(io.Err, io.ErrTheme(e.Global), msg) }}
}

// finish prints the report and says by the exit code whether it held.
func (e *endpointCmd) finish(ctx context.Context, io *IO, rep *decode.EndpointReport, err error) error {
	if err != nil {
		return err
	}
	if err := writeResult(ctx, io, e.Global, &e.Output, rep, func(p *render.Printer) { p.Endpoint(rep) }); err != nil {
		return err
	}
	if !rep.Valid {
		return &ExitError{Code: ExitCheckFailed, Silent: true, Err: errors.New(rep.Endpoint + " check failed")}
	}
	return nil
}

// run is every endpoint command: the token, the session, the call, the
// report.
func (e *endpointCmd) run(ctx context.Context, io *IO, call func(context.Context, *flow.Client) (*decode.EndpointReport, error)) error {
	cached, err := e.resolve(ctx, io)
	if err != nil {
		return err
	}
	sess, err := e.session(ctx, io, cached)
	if err != nil {
		return err
	}
	defer sess.close()
	rep, err := call(ctx, sess.client)
	return e.finish(ctx, io, rep, err)
}

func endpointArgs(e *endpointCmd) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) > 1 {
			return usageError("one TOKEN at most")
		}
		if len(args) == 1 {
			e.token = args[0]
		}
		return nil
	}
}

func newIntrospectCmd(io *IO, g *GlobalOptions) *cobra.Command {
	e := &endpointCmd{Global: g}
	var asJWT bool
	c := &cobra.Command{
		Use:   "introspect [TOKEN | @FILE | -]",
		Short: "Ask the issuer about a token (RFC 7662) and explain the answer claim by claim",
		Long: `Introspect asks the issuer's introspection endpoint whether a token is active,
with the client's authentication (introspection needs a confidential
client), and explains the answer claim by claim; active false is
explained. --jwt asks for a signed answer (RFC 9701), verified with the
issuer's keys: typ token-introspection+jwt, iss the issuer, aud the client.
With no TOKEN, the profile's cached access token (--cached refresh_token:
its refresh token). Exit 1 when the token is not active.`,
		Example: `  oidc introspect --profile api "$TOKEN"
  oidc introspect --issuer "$ISS" --client-id rs --client-secret @rs.txt --jwt @token.txt`,
		Args: endpointArgs(e),
		RunE: func(c *cobra.Command, _ []string) error {
			return e.run(c.Context(), io, func(ctx context.Context, cl *flow.Client) (*decode.EndpointReport, error) {
				return cl.Introspect(ctx, flow.EndpointRequest{FlowRequest: e.request(io), Token: e.token, Hint: e.Hint, JWT: asJWT, Endpoint: e.Endpoint})
			})
		},
	}
	e.add(c.Flags(), "introspection-endpoint", "override the discovered introspection endpoint", true, true)
	c.Flags().BoolVar(&asJWT, "jwt", false, "ask for a signed answer (RFC 9701) and verify it")
	return c
}

func newRevokeCmd(io *IO, g *GlobalOptions) *cobra.Command {
	e := &endpointCmd{Global: g}
	c := &cobra.Command{
		Use:   "revoke [TOKEN | @FILE | -]",
		Short: "Revoke a token at the issuer (RFC 7009)",
		Long: `Revoke sends a token to the issuer's revocation endpoint with the client's
authentication and token_type_hint. The issuer answers 200 also for a
token it did not know or that had expired (RFC 7009 2.2): the answer says
the token is not valid now, not that it was. With no TOKEN, the profile's
cached access token (--cached refresh_token: its refresh token, which
with most issuers ends the whole login); oidc logout --revoke revokes
both and forgets them.`,
		Example: `  oidc revoke --profile work --cached refresh_token
  oidc revoke --issuer "$ISS" --client-id cli --token-type-hint refresh_token @rt.txt`,
		Args: endpointArgs(e),
		RunE: func(c *cobra.Command, _ []string) error {
			return e.run(c.Context(), io, func(ctx context.Context, cl *flow.Client) (*decode.EndpointReport, error) {
				return cl.RevokeToken(ctx, flow.EndpointRequest{FlowRequest: e.request(io), Token: e.token, Hint: e.Hint, Endpoint: e.Endpoint})
			})
		},
	}
	e.add(c.Flags(), "revocation-endpoint", "override the discovered revocation endpoint", true, true)
	return c
}

func newUserinfoCmd(io *IO, g *GlobalOptions) *cobra.Command {
	e := &endpointCmd{Global: g}
	var method, decryptKey string
	c := &cobra.Command{
		Use:   "userinfo [ACCESS-TOKEN | @FILE | -]",
		Short: "Call the userinfo endpoint with an access token and show the claims",
		Long: `Userinfo calls the issuer's userinfo endpoint (OIDC Core 5.3) with an access
token, as Bearer or, for a DPoP-bound token, DPoP with a proof. A JSON
answer is shown claim by claim; a signed one (application/jwt) is
verified with the issuer's keys first (iss the issuer, aud the client),
and an encrypted one (OIDC Core 5.3.2) decrypted with --decrypt-key, the
client's private key, before that. A 401 or 403 is explained by its RFC 6750 challenge. With no token, the
profile's cached access token, with its DPoP key.`,
		Example: `  oidc userinfo --profile work
  oidc userinfo --issuer "$ISS" --client-id cli @at.txt --method POST`,
		Args: endpointArgs(e),
		RunE: func(c *cobra.Command, _ []string) error {
			m := strings.ToUpper(method)
			if m != "GET" && m != "POST" {
				return usageError("--method %q: GET or POST", method)
			}
			if e.Cached != "access_token" {
				return usageError("--cached: userinfo takes the access token")
			}
			var dk any
			if decryptKey != "" {
				var err error
				if dk, err = decryptionKeyFile(c.Context(), decryptKey); err != nil {
					return err
				}
			}
			return e.run(c.Context(), io, func(ctx context.Context, cl *flow.Client) (*decode.EndpointReport, error) {
				typ := "Bearer"
				if cl.DPoP != nil {
					typ = "DPoP"
				}
				fr := e.request(io)
				fr.Flags = withOptionFlags(map[string]string{"decrypt_key": "--decrypt-key", "dpop_key": "--dpop-key"})
				return cl.UserinfoCall(ctx, flow.UserinfoRequest{FlowRequest: fr, Token: e.token, TokenType: typ, Method: m, Endpoint: e.Endpoint, DecryptionKey: dk})
			})
		},
	}
	e.add(c.Flags(), "userinfo-endpoint", "override the discovered userinfo endpoint", false, false)
	c.Flags().StringVar(&method, "method", "GET", methodHelp)
	c.Flags().StringVar(&e.DPoPKey, "dpop-key", "", dpopKeyHelp)
	c.Flags().StringVar(&decryptKey, "decrypt-key", "", decryptKeyHelp)
	return c
}
