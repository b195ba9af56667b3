package cmd

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/flow"
)

// keySource finds the keys for each token: the user's keys, a JWKS URL, the
// pinned issuer's discovery, or (unpinned, said so) the token's own iss.
// It fetches each document once per run, and a key set a second time when
// a token names a kid it lacks (the issuer may have rotated its keys).
type keySource struct {
	client  *flow.Client
	static  *decode.KeySet // --key, --secret, --jwks @file
	jwksURL string         // --jwks URL
	issuer  string         // --issuer

	mu      sync.Mutex
	issuers map[string]*issuerKeys
	sets    map[string]*keySet
}

type issuerKeys struct {
	md      *flow.Metadata
	offset  *time.Duration
	jwksURI string
	err     error
}

type keySet struct {
	keys      *decode.KeySet
	offset    *time.Duration
	err       error
	refetched bool
}

// resolved is what a token is verified against.
type resolved struct {
	keys           *decode.KeySet
	issuer         string
	pinned         bool
	discoveredAlgs []string
	clockOffset    *time.Duration
}

func (s *keySource) forToken(ctx context.Context, r *decode.Result) (*resolved, error) {
	switch {
	case s.static != nil:
		return &resolved{keys: s.static, issuer: s.issuer, pinned: s.issuer != ""}, nil
	case s.jwksURL != "":
		ks, off, err := s.keySet(ctx, s.jwksURL, r)
		if err != nil {
			return nil, err
		}
		return &resolved{keys: ks, issuer: s.issuer, pinned: s.issuer != "", clockOffset: off}, nil
	}
	issuer, pinned := s.issuer, true
	if issuer == "" {
		iss, ok := r.StringClaim("iss")
		if !ok {
			return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("no key source: the token has no iss to discover keys from; pass --issuer, --jwks, --key or --secret")}
		}
		issuer, pinned = iss, false
		// The token names this issuer: https only (no requests to
		// services on this machine or the local network on a token's
		// say-so), unless --allow-http.
		if u, err := url.Parse(issuer); err != nil || u.Scheme != "https" && !s.client.AllowHTTP {
			return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("the token's iss %q is not an https URL: keys are discovered from an unpinned issuer over https only; pass --issuer (or --allow-http)", issuer)}
		}
	}
	ik := s.discover(ctx, issuer)
	if ik.err != nil {
		return nil, ik.err
	}
	ks, off, err := s.keySet(ctx, ik.jwksURI, r)
	if err != nil {
		return nil, err
	}
	if off == nil {
		off = ik.offset
	}
	return &resolved{keys: ks, issuer: issuer, pinned: pinned, discoveredAlgs: ik.md.IDTokenSigningAlgs, clockOffset: off}, nil
}

func (s *keySource) discover(ctx context.Context, issuer string) *issuerKeys {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ik, ok := s.issuers[issuer]; ok {
		return ik
	}
	ik := &issuerKeys{}
	md, f, err := s.client.Discover(ctx, issuer)
	switch {
	case err != nil:
		ik.err = err
	case md.JWKSURI == "":
		ik.err = &flow.Error{URL: md.Source, Err: fmt.Errorf("the metadata at %s has no jwks_uri: the issuer publishes no keys", md.Source)}
	default:
		ik.md, ik.offset, ik.jwksURI = md, f.ClockOffset, md.JWKSURI
	}
	if s.issuers == nil {
		s.issuers = map[string]*issuerKeys{}
	}
	s.issuers[issuer] = ik
	return ik
}

func (s *keySource) keySet(ctx context.Context, uri string, r *decode.Result) (*decode.KeySet, *time.Duration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sets == nil {
		s.sets = map[string]*keySet{}
	}
	set, ok := s.sets[uri]
	if !ok {
		set = &keySet{}
		set.keys, set.offset, set.err = s.fetchSet(ctx, uri, false)
		s.sets[uri] = set
	}
	if set.err == nil && !set.refetched && decode.KidMissing(r, set.keys) && !s.client.Offline {
		set.refetched = true
		if ks, off, err := s.fetchSet(ctx, uri, true); err == nil {
			set.keys, set.offset = ks, off
		}
	}
	return set.keys, set.offset, set.err
}

func (s *keySource) fetchSet(ctx context.Context, uri string, fresh bool) (*decode.KeySet, *time.Duration, error) {
	ks, f, err := s.client.KeySet(ctx, uri, fresh)
	if err != nil {
		return nil, nil, err
	}
	return ks, f.ClockOffset, nil
}
