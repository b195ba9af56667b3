package cmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/flow"
	"github.com/oidcdev/oidc/internal/cache"
	"github.com/oidcdev/oidc/render"
)

// LogoutOptions are the flags of `oidc logout`.
type LogoutOptions struct {
	grantCmd
	Revoke, EndSession, NoBrowser bool
	RevocationEndpoint            string
	RedirectURI                   string
	Port                          int
	Timeout, Wait                 time.Duration
}

func newLogoutCmd(io *IO, g *GlobalOptions) *cobra.Command {
	opts := &LogoutOptions{grantCmd: grantCmd{Global: g}}
	c := &cobra.Command{
		Use:   "logout --profile NAME [--revoke] [--end-session]",
		Short: "Forget a profile's cached tokens; revoke them at the issuer, sign out there",
		Long: `Logout removes the cached tokens of a profile (or of --issuer, --client-id
and --scope). With --revoke it first revokes the refresh token and the
access token at the issuer's revocation endpoint (RFC 7009); if the
issuer refuses, nothing is removed, so you can try again. With
--end-session it signs you out at the issuer in the browser
(RP-Initiated Logout: end_session_endpoint with the ID token as
id_token_hint, back to a loopback post_logout_redirect_uri, state checked).`,
		Example: `  oidc logout --profile work
  oidc logout --profile work --revoke --end-session`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runLogout(c.Context(), opts, io) },
	}
	f := c.Flags()
	opts.Client.add(f, true)
	f.BoolVar(&opts.Revoke, "revoke", false, "revoke the refresh and access tokens at the issuer first (RFC 7009)")
	f.StringVar(&opts.RevocationEndpoint, "revocation-endpoint", "", "override the discovered revocation endpoint")
	f.BoolVar(&opts.EndSession, "end-session", false, "sign out at the issuer in the browser too (RP-initiated logout)")
	f.BoolVar(&opts.NoBrowser, "no-browser", false, noBrowserHelp)
	f.StringVar(&opts.RedirectURI, "redirect-uri", "", redirectURIHelp)
	f.IntVar(&opts.Port, "port", 0, portHelp)
	f.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, browserTimeoutHelp)
	f.DurationVar(&opts.Wait, "wait", 2*time.Minute, "how long to wait for another oidc refreshing or logging in for the same tokens")
	opts.addFlags(f, loginScope)
	return c
}

func runLogout(ctx context.Context, opts *LogoutOptions, io *IO) error {
	if err := opts.Client.resolveCached(ctx, io, ""); err != nil {
		return err
	}
	if opts.RedirectURI != "" {
		if err := flow.CheckRedirectURI(opts.RedirectURI); err != nil {
			return usageError("--redirect-uri: %v", err)
		}
	}
	store, err := openTokens(io)
	if err != nil {
		return err
	}
	key := opts.tokenKey()
	unlock, err := store.Lock(ctx, key, opts.Wait, waitingLine(io, opts.Global))
	if err != nil {
		return err
	}
	defer unlock()
	t, err := store.Get(key)
	var corrupt *cache.CorruptError
	if errors.As(err, &corrupt) {
		// Nothing in it can be revoked or trusted: it goes.
		render.WarnLine(io.Err, io.ErrTheme(opts.Global), corrupt.Error()+": removed")
		if err := store.Delete(key); err != nil {
			return err
		}
		t, err = nil, nil
	}
	if err != nil {
		return err
	}
	res := render.LogoutResult{Profile: opts.Client.Profile, CacheFile: store.Path(key), Revoked: []string{}}
	progress := progressLine(io, opts.Global)
	if t == nil && !opts.EndSession {
		res.Note = "no tokens were cached for it"
		return writeResult(ctx, io, opts.Global, &opts.Output, res, func(p *render.Printer) { p.Logout(res) })
	}
	var sess *session
	if opts.Revoke || opts.EndSession {
		if sess, err = opts.start(ctx, io); err != nil {
			return err
		}
		defer sess.close()
	}
	if opts.Revoke && t != nil {
		var revs []*flow.Revocation
		if t.RefreshToken != "" {
			revs = append(revs, &flow.Revocation{Hint: "refresh_token", Token: t.RefreshToken})
		}
		if t.AccessToken != "" {
			revs = append(revs, &flow.Revocation{Hint: "access_token", Token: t.AccessToken})
		}
		if _, err := sess.client.Revoke(ctx, flow.RevokeRequest{FlowRequest: opts.request(io), Tokens: revs, Endpoint: opts.RevocationEndpoint}); err != nil {
			return fmt.Errorf("%w; nothing was removed: run it again, or without --revoke to forget the tokens here only", err)
		}
		for _, r := range revs {
			what := map[string]string{"refresh_token": "refresh token", "access_token": "access token"}[r.Hint]
			if r.Unsupported {
				progress("the issuer cannot revoke the %s (unsupported_token_type, RFC 7009 2.2.1): it stays valid until it expires", what)
				continue
			}
			res.Revoked = append(res.Revoked, r.Hint)
			progress("revoked the %s", what)
		}
	}
	var endErr error
	if opts.EndSession {
		hint := ""
		if t != nil {
			hint = t.IDToken
		}
		md, _, err := sess.client.Discovered(ctx, opts.Client.Issuer, flow.Endpoints{}, func(msg string) { render.WarnLine(io.Err, io.ErrTheme(opts.Global), msg) })
		if err == nil {
			cfg := flow.EndSessionConfig{Metadata: md, ClientID: opts.Client.ClientID, IDTokenHint: hint, RedirectURI: opts.RedirectURI, Port: opts.Port,
				Progress: progress, Timeout: opts.Timeout}
			if !opts.NoBrowser {
				cfg.Open = func(u string) error { return flow.OpenBrowser(u, io.Getenv, io.Err) }
			}
			err = sess.client.EndSession(ctx, cfg)
			if errors.Is(err, flow.ErrTimeout) {
				err = fmt.Errorf("%w (--timeout %s)", err, decode.Ago(opts.Timeout))
			}
		}
		if err == nil {
			res.EndedSession = true
		}
		endErr = err
	}
	if t != nil {
		if err := store.Delete(key); err != nil {
			return err
		}
		res.Removed = true
	}
	if endErr != nil {
		// The local tokens are gone either way: say so, then why the
		// issuer's session may live on.
		if res.Removed {
			progress("removed the cached tokens (%s)", res.CacheFile)
		}
		return fmt.Errorf("signing out at the issuer: %w", endErr)
	}
	return writeResult(ctx, io, opts.Global, &opts.Output, res, func(p *render.Printer) { p.Logout(res) })
}
