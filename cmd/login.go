package cmd

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/flow"
	"github.com/oidcdev/oidc/internal/config"
	"github.com/oidcdev/oidc/render"
)

// LoginOptions are the flags of `oidc login`.
type LoginOptions struct {
	grantCmd
	Timeout time.Duration

	RedirectURI, ResponseMode               string
	Port                                    int
	Prompt, LoginHint, ACRValues, UILocales string
	Params                                  []string
	AuthorizationEndpoint, Userinfo         string
	NoBrowser, Device, PAR, RequestObject   bool
	Save                                    string
	SaveSecret                              bool
	flags                                   *pflag.FlagSet // which were given
}

func newLoginCmd(io *IO, g *GlobalOptions) *cobra.Command {
	opts := &LoginOptions{grantCmd: grantCmd{Global: g}}
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
  oidc login --no-browser --issuer "$ISS" --client-id cli

  # no browser here at all: the device flow, a code to enter elsewhere
  oidc login --device --issuer "$ISS" --client-id cli`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runLogin(c.Context(), opts, io)
		},
	}
	opts.addLoginFlags(c.Flags())
	c.Flags().StringVar(&opts.Save, "save", "", "when every check passes, save these settings as profile `NAME` of the config file (secrets as references), and cache the tokens for oidc token")
	c.Flags().BoolVar(&opts.SaveSecret, "save-secret", false, "with --save: write a --client-secret given literally into the config file (made 0600); otherwise only a reference ($OIDC_CLIENT_SECRET, @FILE) is saved")
	return c
}

// addLoginFlags adds login's flags: also oidc token's, which logs in the
// same way when it must.
func (opts *LoginOptions) addLoginFlags(f *pflag.FlagSet) {
	opts.flags = f
	opts.Client.add(f, true)
	f.BoolVar(&opts.RequestObject, "request-object", false, "sign the authorization request (JAR, RFC 9101) with --client-key or the secret (client_secret_jwt)")
	f.BoolVar(&opts.PAR, "par", false, "push the authorization request first (RFC 9126); done anyway when the issuer requires it")
	f.BoolVar(&opts.Device, "device", false, "log in with the device flow (RFC 8628): a code to enter on any device; no browser or callback here")
	f.StringVar(&opts.RedirectURI, "redirect-uri", "", redirectURIHelp)
	f.IntVar(&opts.Port, "port", 0, portHelp)
	f.StringVar(&opts.ResponseMode, "response-mode", "", "query or form_post")
	f.StringVar(&opts.Prompt, "prompt", "", "prompt: none, login, consent, select_account")
	f.StringVar(&opts.LoginHint, "login-hint", "", "login_hint")
	f.StringVar(&opts.ACRValues, "acr-values", "", "acr_values")
	f.StringVar(&opts.UILocales, "ui-locales", "", "ui_locales")
	f.StringArrayVar(&opts.Params, "param", nil, paramHelp)
	f.StringVar(&opts.AuthorizationEndpoint, "authorization-endpoint", "", "override the discovered authorization endpoint")
	f.StringVar(&opts.Userinfo, "userinfo-endpoint", "", "override the discovered userinfo endpoint")
	f.BoolVar(&opts.NoBrowser, "no-browser", false, noBrowserHelp)
	f.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, browserTimeoutHelp)
	opts.addFlags(f, loginScope)
}

func runLogin(ctx context.Context, opts *LoginOptions, io *IO) error {
	if opts.Save != "" {
		if err := config.ValidName(opts.Save); err != nil {
			return usageError("--save: %v", err)
		}
		if opts.Client.Profile == "" {
			opts.Client.Profile = opts.Save
			opts.Client.profileOptional = true
		}
	} else if opts.SaveSecret {
		return usageError("--save-secret goes with --save NAME")
	}
	sess, err := opts.start(ctx, io)
	if err != nil {
		return err
	}
	defer sess.close()
	got, err := opts.login(ctx, io, sess)
	var report *decode.FlowReport
	if got != nil {
		report = got.Report
	}
	if err == nil && report.Valid {
		if err := opts.keep(ctx, io, got); err != nil {
			return err
		}
	}
	return opts.finish(ctx, io, report, err)
}

// progress writes a line of a flow's progress on stderr.
func progressLine(io *IO, g *GlobalOptions) func(format string, args ...any) {
	errTheme := io.ErrTheme(g)
	return func(format string, args ...any) {
		for _, l := range strings.Split(fmt.Sprintf(format, args...), "\n") {
			fmt.Fprintln(io.Err, errTheme.Dim.Render("oidc: ")+render.Sanitize(l))
		}
	}
}

// login runs the code flow or the device flow as the flags say and
// returns what it brought, checked.
func (opts *LoginOptions) login(ctx context.Context, io *IO, sess *session) (*flow.Obtained, error) {
	progress := progressLine(io, opts.Global)
	switch opts.ResponseMode {
	case "", "query", "form_post":
	default:
		return nil, usageError("--response-mode %q: use query or form_post", opts.ResponseMode)
	}
	maxAge := opts.maxAge
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
	for _, r := range opts.Grant.Resources {
		params.Add("resource", r)
	}
	if opts.Grant.authzDetails != "" {
		params.Set("authorization_details", opts.Grant.authzDetails)
	}
	for _, kv := range opts.Params {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usageError("--param %q: use key=value", kv)
		}
		if reservedParams[k] {
			return nil, usageError("--param %s: oidc sets %s itself; it protects the flow (PKCE, state, nonce) or has its own flag", k, k)
		}
		params.Add(k, v)
	}
	if opts.Device {
		for _, name := range []string{"par", "request-object", "param", "response-mode", "redirect-uri", "port", "prompt", "no-browser"} {
			if opts.flags.Changed(name) {
				return nil, usageError("--%s is for the code flow: the device flow has no authorization request in a browser of this machine", name)
			}
		}
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, usageError("--port %d: a port is 0 (a free one) to 65535", opts.Port)
	}
	if opts.Timeout <= 0 {
		return nil, usageError("--timeout must be positive: how long to wait for you to log in")
	}
	if opts.RedirectURI != "" {
		if err := flow.CheckRedirectURI(opts.RedirectURI); err != nil {
			return nil, usageError("--redirect-uri: %v", err)
		}
	}
	fr := opts.request(io)
	fr.Endpoints.Authorization, fr.Endpoints.Userinfo = opts.AuthorizationEndpoint, opts.Userinfo
	got := &flow.Obtained{DPoPKey: opts.Grant.madeKey}
	fr.OnTokens = func(tr *flow.TokenResponse) { got.Tokens = tr }
	var report *decode.FlowReport
	var err error
	if opts.Device {
		wait, cancel := context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
		tick, done := deviceTicker(io, progress)
		report, err = sess.client.RunDevice(wait, flow.DeviceRequest{FlowRequest: fr,
			Show: func(d *flow.DeviceAuthorization) { showDeviceCode(io, opts.Global, d) },
			Tick: tick})
		done()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = fmt.Errorf("%w (--timeout %s)", flow.ErrTimeout, decode.Ago(opts.Timeout))
		}
	} else {
		req := flow.LoginRequest{FlowRequest: fr, LoginConfig: flow.LoginConfig{
			Scopes: fr.Scopes, RedirectURI: opts.RedirectURI, Port: opts.Port,
			ResponseMode: opts.ResponseMode, Params: params, Timeout: opts.Timeout, Progress: progress, PAR: opts.PAR, RequestObject: opts.RequestObject,
		}}
		if !opts.NoBrowser {
			req.Open = func(u string) error { return flow.OpenBrowser(u, io.Getenv, io.Err) }
		}
		if headlessSSH(io) {
			progress("this is an SSH session with no display: no browser opens here and none can reach this machine's callback; --device logs you in from any other device, if the issuer offers the device flow")
		}
		if opts.NoBrowser || io.InTTY {
			req.Paste = io.In
		}
		report, err = sess.client.RunLogin(ctx, req)
		if errors.Is(err, flow.ErrTimeout) {
			err = fmt.Errorf("%w (--timeout %s)", err, decode.Ago(opts.Timeout))
		}
	}
	if report == nil {
		return nil, err
	}
	got.Report = report
	return got, err
}

// showDeviceCode tells the user where to go and what to enter, on stderr:
// the code large on a terminal, and always as plain text.
func showDeviceCode(io *IO, g *GlobalOptions, d *flow.DeviceAuthorization) {
	p := render.NewPrinter(io.Err, io.ErrTheme(g), io.Width)
	p.DeviceCode(d.UserCode, d.VerificationURI, d.VerificationURIComplete, d.ExpiresIn, io.ErrTTY)
	_ = p.Flush()
}

// deviceTicker reports the polling: once at the start, and whenever the
// issuer asks to slow down.
// On a terminal, a countdown to the code's expiry is rewritten in place
// at every poll; done ends its line.
func deviceTicker(io *IO, progress func(string, ...any)) (tick func(left, interval time.Duration), done func()) {
	var last time.Duration
	counting := false
	tick = func(left, interval time.Duration) {
		switch {
		case last == 0:
			msg := fmt.Sprintf("waiting for you to approve (polling every %s", decode.Ago(interval))
			if left > 0 {
				msg += "; the code expires in " + decode.Ago(left)
			}
			progress("%s)", msg)
		case interval > last:
			if counting {
				fmt.Fprintln(io.Err)
				counting = false
			}
			progress("the issuer asked to slow down: polling every %s", decode.Ago(interval))
		case io.ErrTTY && left > 0:
			// \r and spaces, no escape sequence: nothing a terminal answers.
			fmt.Fprintf(io.Err, "\roidc: %s left to approve    ", decode.Ago(left))
			counting = true
		}
		last = interval
	}
	done = func() {
		if counting {
			fmt.Fprintln(io.Err)
		}
	}
	return tick, done
}

// reservedParams are the authorization parameters that --param must not
// replace.
var reservedParams = map[string]bool{
	"state": true, "nonce": true, "code_challenge": true, "code_challenge_method": true, "redirect_uri": true,
	"response_type": true, "client_id": true, "scope": true, "response_mode": true, "resource": true, "authorization_details": true,
	// These have flags, which also check what comes back (max_age: auth_time).
	"prompt": true, "login_hint": true, "max_age": true, "acr_values": true, "ui_locales": true, "audience": true,
}

// headlessSSH: a session over SSH with no display and no $BROWSER, where
// neither a browser nor the loopback callback will work.
func headlessSSH(io *IO) bool {
	return (io.Getenv("SSH_CONNECTION") != "" || io.Getenv("SSH_TTY") != "") &&
		io.Getenv("DISPLAY") == "" && io.Getenv("WAYLAND_DISPLAY") == "" && io.Getenv("BROWSER") == ""
}
