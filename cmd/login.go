package cmd

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/flow"
	"github.com/oidcdev/oidc/render"
)

// LoginOptions are the flags of `oidc login`.
type LoginOptions struct {
	Global  *GlobalOptions
	Client  clientFlags
	Net     networkFlags
	Checks  checkFlags
	Output  outputFlags
	Scope   string
	Timeout time.Duration

	RedirectURI, ResponseMode                      string
	Port                                           int
	Prompt, LoginHint, ACRValues, UILocales        string
	Resources, Params                              []string
	AuthorizationEndpoint, TokenEndpoint, Userinfo string
	NoBrowser, ShowTokens                          bool
}

func newLoginCmd(io *IO, g *GlobalOptions) *cobra.Command {
	opts := &LoginOptions{Global: g}
	c := &cobra.Command{
		Use:   "login --issuer URL --client-id ID",
		Short: "Log in through a browser with the authorization code flow, then show and verify everything that came back",
		Long: `Login runs the authorization code flow against any issuer found by discovery:
PKCE S256, a fresh state and nonce, a callback listener on 127.0.0.1, the
system browser (or $BROWSER), the code exchange, then every check of
oidc verify on the ID token, the access token when it is a JWT, and userinfo,
whose sub must be the ID token's.

The URL is always printed on stderr. With --no-browser, or when no browser
opens, open it yourself; where the browser cannot reach this machine's
127.0.0.1 (SSH, containers), paste the URL it was sent back to into the
terminal.

The callback listener binds loopback only, answers one good callback and
closes. A callback with a wrong state is refused and the login goes on
waiting; an RFC 9207 iss that is not the issuer ends it.`,
		Example: `  # a public client (no secret): PKCE only
  oidc login --issuer https://accounts.google.com --client-id 1234.apps.googleusercontent.com

  # a confidential client; the secret from the environment
  OIDC_CLIENT_SECRET=... oidc login --issuer https://dev-1234.okta.com --client-id 0oa...

  # an access token for an API (RFC 8707), as JSON for a script
  oidc login --issuer "$ISS" --client-id cli --resource https://api.example.com --json | jq .valid

  # the issuer and client from the environment (oidc serve prints OIDC_ISSUER)
  OIDC_ISSUER=http://127.0.0.1:9400 OIDC_CLIENT_ID=oidc-cli oidc login

  # on a remote machine: open the URL elsewhere, paste the redirect back
  oidc login --no-browser --issuer "$ISS" --client-id cli`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runLogin(c.Context(), opts, io)
		},
	}
	f := c.Flags()
	opts.Client.add(f, true)
	f.StringVar(&opts.Scope, "scope", "openid profile email", "scopes to request")
	f.StringVar(&opts.RedirectURI, "redirect-uri", "", "exact redirect URI to use (loopback host only; the listener binds what it names)")
	f.IntVar(&opts.Port, "port", 0, portHelp)
	f.StringVar(&opts.ResponseMode, "response-mode", "", "query or form_post")
	f.StringVar(&opts.Prompt, "prompt", "", "prompt: none, login, consent, select_account")
	f.StringVar(&opts.LoginHint, "login-hint", "", "login_hint")
	f.StringVar(&opts.ACRValues, "acr-values", "", "acr_values")
	f.StringVar(&opts.UILocales, "ui-locales", "", "ui_locales")
	f.StringArrayVar(&opts.Resources, "resource", nil, "resource indicator (RFC 8707); repeatable; the access token must be for it")
	f.StringArrayVar(&opts.Params, "param", nil, "extra authorization parameter `key=value`; repeatable")
	f.StringVar(&opts.AuthorizationEndpoint, "authorization-endpoint", "", "override the discovered authorization endpoint")
	f.StringVar(&opts.TokenEndpoint, "token-endpoint", "", "override the discovered token endpoint")
	f.StringVar(&opts.Userinfo, "userinfo-endpoint", "", "override the discovered userinfo endpoint")
	f.BoolVar(&opts.NoBrowser, "no-browser", false, "do not open a browser: print the URL, and read a pasted redirect URL on stdin")
	f.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "how long to wait for you to finish in the browser")
	opts.Checks.add(f)
	opts.Net.add(f)
	opts.Output.add(f, true)
	f.BoolVar(&opts.ShowTokens, "show-tokens", false, "print raw tokens in full")
	return c
}

func runLogin(ctx context.Context, opts *LoginOptions, io *IO) error {
	errTheme := io.ErrTheme(opts.Global)
	progress := func(format string, args ...any) {
		for _, l := range strings.Split(fmt.Sprintf(format, args...), "\n") {
			fmt.Fprintln(io.Err, errTheme.Dim.Render("oidc: ")+render.Sanitize(l))
		}
	}
	if err := opts.Client.resolve(ctx, io); err != nil {
		return err
	}
	if opts.Client.Issuer == "" || opts.Client.ClientID == "" {
		return usageError("--issuer and --client-id are required (or $OIDC_ISSUER and $OIDC_CLIENT_ID)")
	}
	jq, err := opts.Output.jq()
	if err != nil {
		return err
	}
	switch opts.ResponseMode {
	case "", "query", "form_post":
	default:
		return usageError("--response-mode %q: use query or form_post", opts.ResponseMode)
	}
	maxAge, err := opts.Checks.maxAge()
	if err != nil {
		return err
	}
	params := url.Values{}
	for k, v := range map[string]string{"prompt": opts.Prompt, "login_hint": opts.LoginHint, "acr_values": opts.ACRValues, "ui_locales": opts.UILocales} {
		if v != "" {
			params.Set(k, v)
		}
	}
	for _, a := range opts.Checks.Audience {
		params.Add("audience", a)
	}
	if maxAge != nil {
		params.Set("max_age", fmt.Sprint(int64(*maxAge/time.Second)))
	}
	for _, r := range opts.Resources {
		params.Add("resource", r)
	}
	for _, kv := range opts.Params {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usageError("--param %q: use key=value", kv)
		}
		if reservedParams[k] {
			return usageError("--param %s: oidc sets %s itself; it protects the flow (PKCE, state, nonce) or has its own flag", k, k)
		}
		params.Add(k, v)
	}
	if opts.RedirectURI != "" {
		if err := flow.CheckRedirectURI(opts.RedirectURI); err != nil {
			return usageError("--redirect-uri: %v", err)
		}
	}
	sess, err := opts.Net.client(io, opts.Global, false, true)
	if err != nil {
		return err
	}
	defer sess.close()

	req := flow.LoginRequest{
		LoginConfig: flow.LoginConfig{
			Scopes: strings.Fields(opts.Scope), RedirectURI: opts.RedirectURI, Port: opts.Port,
			ResponseMode: opts.ResponseMode, Params: params, Timeout: opts.Timeout, Progress: progress,
		},
		Issuer:    opts.Client.Issuer,
		Endpoints: flow.Endpoints{Authorization: opts.AuthorizationEndpoint, Token: opts.TokenEndpoint, Userinfo: opts.Userinfo},
		ClientID:  opts.Client.ClientID, ClientSecret: opts.Client.ClientSecret, AuthMethod: opts.Client.AuthMethod,
		Leeway: opts.Checks.Leeway, MaxAge: maxAge, Audience: append(slices.Clone(opts.Resources), opts.Checks.Audience...),
		Warn:  func(msg string) { render.WarnLine(io.Err, errTheme, msg) },
		Flags: optionFlags,
	}
	if !opts.NoBrowser {
		req.Open = func(u string) error { return flow.OpenBrowser(u, io.Getenv, io.Err) }
	}
	if opts.NoBrowser || io.InTTY {
		req.Paste = io.In
	}
	report, err := sess.client.RunLogin(ctx, req)
	if err != nil {
		if errors.Is(err, flow.ErrTimeout) {
			err = fmt.Errorf("%w (--timeout %s)", err, opts.Timeout)
		}
		return err
	}
	if opts.Output.structured() {
		jw := render.NewJSONWriter(io.Out, jq, io.OutTTY)
		if err := jw.Write(ctx, report); err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		if err := jw.Flush(); err != nil {
			return outputError(err)
		}
	} else {
		p := render.NewPrinter(io.Out, io.OutTheme(opts.Global), io.Width)
		if opts.Output.Quiet {
			p.LoginVerdict(report)
		} else {
			p.Login(report, opts.ShowTokens)
		}
		if err := p.Flush(); err != nil {
			return outputError(err)
		}
	}
	if !report.Valid {
		return &ExitError{Code: ExitCheckFailed, Silent: true, Err: errors.New("login checks failed")}
	}
	return nil
}

// reservedParams are the authorization parameters that --param must not
// replace.
var reservedParams = map[string]bool{
	"state": true, "nonce": true, "code_challenge": true, "code_challenge_method": true, "redirect_uri": true,
	"response_type": true, "client_id": true, "scope": true, "response_mode": true, "resource": true,
}
