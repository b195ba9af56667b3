package flow

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/oidcdev/oidc/decode"
)

// Revocation is one token to revoke (RFC 7009) and how it went.
type Revocation struct {
	Hint  string `json:"token_type_hint"` // refresh_token or access_token
	Token string `json:"-"`
	Err   error  `json:"-"`
	// Unsupported: the issuer cannot revoke this kind of token (RFC 7009
	// 2.2.1: often access tokens, which then live until they expire).
	Unsupported bool `json:"-"`
}

// RevokeRequest revokes tokens at the issuer's revocation endpoint, with
// the client's authentication.
type RevokeRequest struct {
	FlowRequest
	Tokens []*Revocation
	// Revocation overrides the discovered endpoint.
	Endpoint string
}

// Revoke revokes each token in order, and stops at the first the issuer
// refuses (the rest then stay valid, and the caller keeps them). A 200 is
// success even for a token the issuer does not know (RFC 7009 2.2).
func (c *Client) Revoke(ctx context.Context, req RevokeRequest) (*Metadata, error) {
	md, _, err := c.Discovered(ctx, req.Issuer, req.Endpoints, req.Warn)
	if err != nil {
		return nil, err
	}
	endpoint := req.Endpoint
	if endpoint == "" {
		endpoint = md.RevocationEndpoint
	}
	if endpoint == "" {
		return md, &Error{URL: md.Source, Option: "revocation_endpoint", Err: errors.New("the metadata of " + req.Issuer + " has no revocation_endpoint (RFC 7009): the tokens cannot be revoked, only forgotten")}
	}
	auth, err := ChooseAuth(md, ClientCredentials{ID: req.ClientID, Secret: req.ClientSecret, Method: req.AuthMethod,
		Key: req.ClientKey, AssertionAudience: req.AssertionAudience, Cert: c.CertThumbprint != ""})
	if err != nil {
		return md, err
	}
	for _, r := range req.Tokens {
		resp, err := c.PostForm(ctx, endpoint, url.Values{"token": {r.Token}, "token_type_hint": {r.Hint}}, auth)
		if err == nil && resp.Status != http.StatusOK {
			var members map[string]json.RawMessage
			_ = json.Unmarshal(resp.Body, &members)
			te := resp.oauthError("the revocation endpoint", members, auth)
			if te.Code == "unsupported_token_type" && r.Hint == "access_token" {
				r.Unsupported = true
				continue
			}
			err = te
		}
		if err != nil {
			r.Err = err
			return md, err
		}
	}
	return md, nil
}

// EndSessionConfig is RP-initiated logout (OpenID Connect RP-Initiated
// Logout 1.0): the browser goes to the issuer's end_session_endpoint with
// the ID token as a hint, and comes back to a loopback listener with the
// state sent.
type EndSessionConfig struct {
	Metadata              *Metadata
	ClientID, IDTokenHint string
	// RedirectURI is post_logout_redirect_uri: a loopback URI the client
	// registered ("": 127.0.0.1 on Port, /callback).
	RedirectURI string
	Port        int
	Open        func(string) error // nil: the user opens the URL
	Progress    func(string, ...any)
	Timeout     time.Duration
}

// EndSession runs RP-initiated logout and waits for the browser to come
// back with the state.
func (c *Client) EndSession(ctx context.Context, cfg EndSessionConfig) error {
	md := cfg.Metadata
	if md.EndSessionEndpoint == "" {
		return &Error{URL: md.Source, Option: "end_session_endpoint", Err: errors.New("the metadata of " + md.Issuer + " has no end_session_endpoint: the issuer offers no RP-initiated logout")}
	}
	if _, err := c.CheckURL(md.EndSessionEndpoint); err != nil {
		return &Error{URL: md.EndSessionEndpoint, Err: err}
	}
	ln, err := Listen(cfg.RedirectURI, cfg.Port)
	if err != nil {
		return &ListenError{Err: err}
	}
	defer ln.Close()
	u, err := url.Parse(md.EndSessionEndpoint)
	if err != nil {
		return &Error{URL: md.EndSessionEndpoint, Err: err}
	}
	state := randomString()
	q := u.Query()
	q.Set("client_id", cfg.ClientID)
	q.Set("post_logout_redirect_uri", ln.RedirectURI())
	q.Set("state", state)
	if cfg.IDTokenHint != "" {
		q.Set("id_token_hint", cfg.IDTokenHint)
	}
	u.RawQuery = q.Encode()
	// The URL holds the ID token: the browser is sent to a one-time
	// loopback URL that redirects to it, so the token is on no command
	// line and in no terminal.
	open := ln.startAt(u.String())
	ln.serve(&callbackCheck{state: state, logout: true})
	shown := *u
	if cfg.IDTokenHint != "" {
		sq := u.Query()
		sq.Set("id_token_hint", "REDACTED")
		shown.RawQuery = sq.Encode()
	}
	if cfg.Open == nil {
		cfg.Progress("open this URL to sign out at the issuer (waiting up to %s):\n%s", decode.Ago(cfg.Timeout), open)
	} else {
		cfg.Progress("signing out at the issuer in the browser (waiting up to %s): %s", decode.Ago(cfg.Timeout), shown.String())
		go func() {
			if err := cfg.Open(open); err != nil {
				cfg.Progress("could not open a browser (%v): open this URL by hand:\n%s", err, open)
			}
		}()
	}
	timer := time.NewTimer(cfg.Timeout)
	defer timer.Stop()
	select {
	case got := <-ln.result:
		return got.err
	case <-timer.C:
		return ErrTimeout
	case <-ctx.Done():
		return ctx.Err()
	}
}
