package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/flow"
	"github.com/oidcdev/oidc/render"
)

// ProbeOptions are the flags of `oidc probe`.
type ProbeOptions struct {
	Global              *GlobalOptions
	Client              clientFlags
	Net                 networkFlags
	Output              outputFlags
	Scope               string
	MCP, Plain, NoLogin bool
	AudienceCheck       bool
	Tool, ToolArgs      string
	NoBrowser           bool
	RedirectURI         string
	Port                int
	Timeout             time.Duration
	URL                 string
}

func newProbeCmd(io *IO, g *GlobalOptions) *cobra.Command {
	opts := &ProbeOptions{Global: g}
	c := &cobra.Command{
		Use:   "probe URL",
		Short: "Walk a protected resource's (an MCP server's) whole authorization chain and say where it breaks",
		Long: `Probe walks a protected resource the way an OAuth 2.1 or MCP client must,
step by step, and says which step breaks, with the clause and a fix:

  challenge             the resource without a token: 401 and its WWW-Authenticate
                        (RFC 6750, resource_metadata of RFC 9728)
  resource metadata     from the challenge's URL, else the path-aware and the root
                        well-known URLs; resource must be the URL (RFC 9728 3.3)
  authorization server  its metadata at every well-known form, where clients would
                        diverge; S256 required
  registration          --client-id (pre-registered, or a client ID metadata document
                        URL), else dynamic registration (RFC 7591)
  login                 code + PKCE with resource on both requests (RFC 8707); the
                        access token's audience must be the resource
  call                  the resource with the token (MCP: initialize and tools/list);
                        on 403 insufficient_scope one step-up with the scopes asked

With several authorization_servers, each is tried in order (its metadata,
then registration) and the first that works is logged in with; one passed
over is a warning saying what was found there.

An MCP server (a URL with mcp in its path, or --mcp) is spoken to with JSON-RPC
over Streamable HTTP. Exit 1 when a check fails, 3 when the server breaks the
protocol; the trace, HAR and curl flags cover the whole walk.`,
		Example: `  oidc probe https://mcp.example.com/mcp
  oidc probe https://api.example.com/v1/things --client-id my-cli --scope things:read
  oidc probe "$OIDC_ISSUER/mcp" --json | jq '.steps[] | select(.status != "pass")'`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.URL = args[0]
			return runProbe(c.Context(), opts, io)
		},
	}
	f := c.Flags()
	opts.Client.add(f, true)
	f.StringVar(&opts.Scope, "scope", "", "scopes to request, space-separated")
	f.BoolVar(&opts.MCP, "mcp", false, "speak MCP (JSON-RPC over Streamable HTTP) whatever the URL")
	f.BoolVar(&opts.Plain, "plain", false, "a plain GET, not MCP, whatever the URL")
	f.BoolVar(&opts.NoLogin, "no-login", false, noLoginHelp)
	f.StringVar(&opts.Tool, "tool", "", "MCP: call this tool after tools/list (the token's real work; a 403 insufficient_scope there steps up)")
	f.StringVar(&opts.ToolArgs, "tool-args", "{}", "MCP: the tool's arguments, a JSON object, or @FILE")
	f.BoolVar(&opts.AudienceCheck, "check-audience", false, "log in once more without resource and present that token: the resource must refuse it (a second browser round)")
	f.BoolVar(&opts.NoBrowser, "no-browser", false, noBrowserHelp)
	f.StringVar(&opts.RedirectURI, "redirect-uri", "", redirectURIHelp)
	f.IntVar(&opts.Port, "port", 0, portHelp)
	f.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, browserTimeoutHelp)
	opts.Net.add(f)
	opts.Output.add(f, false)
	return c
}

func runProbe(ctx context.Context, opts *ProbeOptions, io *IO) error {
	c := &opts.Client
	if c.flags.Changed("issuer") {
		return usageError("--issuer: probe finds the authorization server in the resource's metadata; give --client-id for a client registered there")
	}
	// The authorization server is the resource's choice, not yours: a
	// client secret goes to it only when typed for this run, or when the
	// profile named is of that very issuer. $OIDC_CLIENT_SECRET and the
	// like are never read here.
	clientID, secret, clientIssuer := "", "", ""
	if c.flags.Changed("profile") {
		_, p, err := loadProfile(io, c.Profile)
		if err != nil {
			return err
		}
		clientID, clientIssuer = p.ClientID, p.Issuer
		if p.ClientSecret != nil {
			v, err := p.ClientSecret.Resolve(ctx, io.Getenv, io.Err)
			if err != nil {
				return usageError("profile %s: %v", c.Profile, err)
			}
			secret = v
		}
	}
	if c.flags.Changed("client-id") {
		clientID, clientIssuer = c.ClientID, ""
	}
	if c.flags.Changed("client-secret") {
		v, err := secretValue(ctx, "--client-secret", c.ClientSecret)
		if err != nil {
			return err
		}
		secret = v
	}
	if opts.MCP && opts.Plain {
		return usageError("--mcp and --plain: choose one")
	}
	u, err := url.Parse(opts.URL)
	if err != nil || u.Host == "" || u.Scheme != "https" && u.Scheme != "http" {
		return usageError("%q is not an http(s) URL", opts.URL)
	}
	if _, err := opts.Output.jq(); err != nil {
		return err
	}
	if opts.RedirectURI != "" {
		if err := flow.CheckRedirectURI(opts.RedirectURI); err != nil {
			return usageError("--redirect-uri: %v", err)
		}
	}
	mcp := opts.MCP || !opts.Plain && strings.Contains(strings.ToLower(u.Path), "mcp")
	var toolArgs json.RawMessage
	if opts.Tool != "" {
		data, err := readValue(ctx, "--tool-args", opts.ToolArgs)
		if err != nil {
			return err
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) != nil {
			return usageError("--tool-args: a JSON object, like {\"a\": 1}")
		}
		toolArgs = data
		if !mcp {
			return usageError("--tool is for MCP servers (--mcp)")
		}
	}
	sess, err := opts.Net.client(io, opts.Global, false, true)
	if err != nil {
		return err
	}
	defer sess.close()
	progress := progressLine(io, opts.Global)
	registered := opts.RedirectURI
	if registered == "" {
		registered = "http://127.0.0.1/callback"
		if opts.Port != 0 {
			registered = fmt.Sprintf("http://127.0.0.1:%d/callback", opts.Port)
		}
	}
	req := flow.ProbeRequest{URL: opts.URL, MCP: mcp, ClientID: clientID, ClientSecret: secret, ClientIssuer: clientIssuer,
		Scopes: strings.Fields(opts.Scope), RedirectURI: registered, Flags: optionFlags, AudienceCheck: opts.AudienceCheck, Tool: opts.Tool, ToolArgs: toolArgs,
		Warn: func(msg string) { render.WarnLine(io.Err, io.ErrTheme(opts.Global), msg) }}
	if !opts.NoLogin {
		req.Login = func(ctx context.Context, fr flow.FlowRequest, params url.Values) (*decode.FlowReport, *flow.TokenResponse, error) {
			var tr *flow.TokenResponse
			fr.OnTokens = func(t *flow.TokenResponse) { tr = t }
			lr := flow.LoginRequest{FlowRequest: fr, LoginConfig: flow.LoginConfig{Scopes: fr.Scopes, RedirectURI: opts.RedirectURI, Port: opts.Port,
				Params: params, Timeout: opts.Timeout, Progress: progress, NoPreflight: true}}
			if !opts.NoBrowser {
				lr.Open = func(u string) error { return flow.OpenBrowser(u, io.Getenv, io.Err) }
			}
			if opts.NoBrowser || io.InTTY {
				lr.Paste = io.In
			}
			rep, err := sess.client.RunLogin(ctx, lr)
			if errors.Is(err, flow.ErrTimeout) {
				err = fmt.Errorf("%w (--timeout %s)", err, decode.Ago(opts.Timeout))
			}
			return rep, tr, err
		}
	}
	rep, err := sess.client.Probe(ctx, req)
	if err != nil && rep == nil {
		return err
	}
	if werr := writeResult(ctx, io, opts.Global, &opts.Output, rep, func(p *render.Printer) { p.Probe(rep) }); werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	if f := rep.Failed(); f != nil {
		code := ExitCheckFailed
		if f.Protocol {
			code = ExitNetwork
		}
		return &ExitError{Code: code, Silent: true, Err: errors.New("probe failed at " + f.Name)}
	}
	return nil
}
