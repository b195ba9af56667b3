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

// RefreshOptions are the flags of `oidc refresh`.
type RefreshOptions struct {
	grantCmd
	RefreshToken, IDToken string
	Wait                  time.Duration
}

func newRefreshCmd(io *IO, g *GlobalOptions) *cobra.Command {
	opts := &RefreshOptions{grantCmd: grantCmd{Global: g}}
	c := &cobra.Command{
		Use:   "refresh [--profile NAME | --refresh-token TOKEN] --issuer URL --client-id ID",
		Short: "Use a refresh token, then verify the new tokens and say what changed",
		Long: `Refresh trades a refresh token for new tokens (RFC 6749 6) and checks them
as a login's: the new ID token against the original (the same iss, sub,
aud and auth_time, and nonce if any: OIDC Core 12.2), userinfo with the
new access token. It says whether the refresh token rotated; a refused one
is explained (expired, revoked, reused: many issuers revoke a whole login
when a rotated refresh token comes back).

With a profile (or --issuer and --client-id) and no --refresh-token, it
refreshes the cached tokens oidc token hands out, now, and says what
changed: the expiry, the scopes, the refresh token.`,
		Example: `  oidc refresh --profile work
  oidc refresh --issuer "$ISS" --client-id cli --refresh-token @rt.txt --original-id-token @id.txt
  oidc login ... --scope 'openid offline_access' --jq .token_response.refresh_token > rt.txt`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runRefresh(c.Context(), opts, io)
		},
	}
	f := c.Flags()
	opts.Client.add(f, true)
	f.StringVar(&opts.RefreshToken, "refresh-token", "", "the refresh token: the token, @FILE, or - for stdin (default: the cached one)")
	f.StringVar(&opts.IDToken, "original-id-token", "", "the ID token of the login, to compare the new one with: the token or @FILE")
	f.DurationVar(&opts.Wait, "wait", 2*time.Minute, "how long to wait for another oidc refreshing or logging in for the same tokens")
	opts.addFlags(f, "")
	return c
}

func runRefresh(ctx context.Context, opts *RefreshOptions, io *IO) error {
	if opts.RefreshToken == "" {
		if opts.IDToken != "" {
			return usageError("--original-id-token goes with --refresh-token; the cache keeps the login's own")
		}
		return runCachedRefresh(ctx, opts, io)
	}
	rt, err := tokenValue(ctx, io, "--refresh-token", opts.RefreshToken)
	if err != nil {
		return err
	}
	var original string
	if opts.IDToken != "" {
		if err := oneStdin("--refresh-token", opts.RefreshToken, "--original-id-token", opts.IDToken); err != nil {
			return err
		}
		if original, err = tokenValue(ctx, io, "--original-id-token", opts.IDToken); err != nil {
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

// runCachedRefresh refreshes the cached tokens of the profile (or the
// flags) at once, under the cache's lock, and reports what changed.
func runCachedRefresh(ctx context.Context, opts *RefreshOptions, io *IO) error {
	if err := opts.Client.resolveCached(ctx, io, "--refresh-token, or "); err != nil {
		return err
	}
	store, err := openTokens(io)
	if err != nil {
		return err
	}
	sess := &lazySession{gc: &opts.grantCmd, io: io}
	defer sess.close()
	res, err := flow.CachedToken(ctx, flow.CachedRequest{Store: store, Key: opts.tokenKey(), Profile: opts.Client.Profile, Force: true,
		Wait: opts.Wait, Waiting: waitingLine(io, opts.Global), Refresh: sess.refresh,
		Warn: func(msg string) { render.WarnLine(io.Err, io.ErrTheme(opts.Global), msg) }})
	if err != nil {
		var cf *flow.ChecksFailedError
		if errors.As(err, &cf) {
			// Show what failed: the report is the point of this command.
			render.WarnLine(io.Err, io.ErrTheme(opts.Global), "the new tokens failed checks: not cached; the cached ones stay (but for a rotated refresh token, which replaces the spent one)")
			return opts.finish(ctx, io, cf.Report, nil)
		}
		return tokenError(err)
	}
	rep := res.Report
	if rep == nil { // another oidc refreshed while this one waited
		render.WarnLine(io.Err, io.ErrTheme(opts.Global), "another oidc refreshed these tokens while this one waited: nothing more to do")
		return nil
	}
	rep.Checks = append(rep.Checks, changes(res.Previous, res.Tokens)...)
	return opts.finish(ctx, io, rep, nil)
}

// changes says what the refresh changed in the cached set.
func changes(prev, next *cache.Tokens) []decode.Check {
	if prev == nil {
		return nil
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return "unknown"
		}
		return t.UTC().Format(time.RFC3339)
	}
	out := []decode.Check{{ID: "cached_expiry", Status: decode.Pass, Found: at(next.Expiry), Expected: at(prev.Expiry),
		Message: fmt.Sprintf("the cached access token now expires %s (was %s)", at(next.Expiry), at(prev.Expiry))}}
	if prev.Scope != next.Scope {
		out = append(out, decode.Check{ID: "cached_scope", Status: decode.Warn, Found: next.Scope, Expected: prev.Scope,
			Message: fmt.Sprintf("the granted scope changed: %q, was %q", next.Scope, prev.Scope)})
	} else {
		out = append(out, decode.Check{ID: "cached_scope", Status: decode.Pass, Found: next.Scope, Message: "the granted scope is unchanged"})
	}
	return out
}
