package flow

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/oidcdev/oidc/decode"
)

// KeySource finds the keys for each token: the user's keys, a JWKS URL,
// the pinned issuer's discovery, or (unpinned, said so) the token's own
// iss. It fetches each document once per run, and a key set a second time
// when a token names a kid it lacks (the issuer may have rotated its
// keys). Every command that checks a token resolves its keys here; it is
// safe for concurrent use.
type KeySource struct {
	Client  *Client
	Static  *decode.KeySet // keys given in full: a key file, a secret, a JWKS file
	JWKSURL string         // a key set URL
	Issuer  string         // the issuer the user pinned
	// Metadata is the pinned issuer's, when the caller already has it
	// (a login discovered it): not fetched again.
	Metadata      *Metadata
	MetadataFetch *Fetched

	mu      sync.Mutex
	issuers map[string]*issuerKeys
	sets    map[string]*keySet
}

type issuerKeys struct {
	once    sync.Once // one discovery per issuer; others wait for it, not for the whole source
	md      *Metadata
	offset  *time.Duration
	jwksURI string
	err     error
}

type keySet struct {
	mu        sync.Mutex // held across its fetches: other sets go on
	loaded    bool
	keys      *decode.KeySet
	offset    *time.Duration
	err       error
	refetched bool
}

// Resolved is what a token is verified against. Issuer and Pinned are
// set even when the keys could not be had, so that the report says what
// the user gave on every path.
type Resolved struct {
	Keys           *decode.KeySet
	Issuer         string
	Pinned         bool
	DiscoveredAlgs []string
	ClockOffset    *time.Duration
}

// Apply sets what was resolved on the options of a verification.
func (r *Resolved) Apply(o *decode.VerifyOptions) {
	o.Issuer, o.IssuerPinned = r.Issuer, r.Pinned
	if r.DiscoveredAlgs != nil {
		o.DiscoveredAlgorithms = r.DiscoveredAlgs
	}
	if r.ClockOffset != nil {
		o.ClockOffset = r.ClockOffset
	}
}

// ErrNoKeySource is a token with nothing to find its keys by: no key was
// given and the token names no issuer. A usage error.
var ErrNoKeySource = errors.New("no key source: the token has no iss to discover keys from, and no issuer or key was given")

// UnpinnedIssuerError is a token's own iss that keys will not be
// discovered from: not https. A usage error.
type UnpinnedIssuerError struct{ Issuer string }

func (e *UnpinnedIssuerError) Error() string {
	return fmt.Sprintf("the token's iss %q is not an https URL: keys are discovered from an issuer taken from the token over https only; give the issuer you trust (or allow plain http)", e.Issuer)
}

// ForToken resolves the keys for one token.
func (s *KeySource) ForToken(ctx context.Context, r *decode.Result) (*Resolved, error) {
	res := &Resolved{Issuer: s.Issuer, Pinned: s.Issuer != ""}
	// Extra headers go to what the user named, never to a token's iss.
	s.Client.TrustHeaders(s.Issuer, s.JWKSURL)
	switch {
	case s.Static != nil:
		res.Keys = s.Static
		return res, nil
	case s.JWKSURL != "":
		ks, off, err := s.keySet(ctx, s.JWKSURL, r)
		res.Keys, res.ClockOffset = ks, off
		return res, err
	}
	if !res.Pinned {
		iss, ok := r.StringClaim("iss")
		if !ok {
			return res, ErrNoKeySource
		}
		res.Issuer = iss
		// The token names this issuer: https only (no requests to
		// services on this machine or the local network on a token's
		// say-so), unless plain http is allowed.
		if u, err := url.Parse(iss); err != nil || u.Scheme != "https" && !s.Client.AllowHTTP {
			return res, &UnpinnedIssuerError{Issuer: iss}
		}
	}
	ik := s.discover(ctx, res.Issuer)
	if ik.err != nil {
		return res, ik.err
	}
	res.DiscoveredAlgs = ik.md.IDTokenSigningAlgs
	ks, off, err := s.keySet(ctx, ik.jwksURI, r)
	if off == nil {
		off = ik.offset
	}
	res.Keys, res.ClockOffset = ks, off
	return res, err
}

func (s *KeySource) discover(ctx context.Context, issuer string) *issuerKeys {
	s.mu.Lock()
	if s.issuers == nil {
		s.issuers = map[string]*issuerKeys{}
	}
	ik, ok := s.issuers[issuer]
	if !ok {
		ik = &issuerKeys{}
		s.issuers[issuer] = ik
	}
	s.mu.Unlock()
	ik.once.Do(func() { s.fetchIssuer(ctx, issuer, ik) })
	return ik
}

func (s *KeySource) fetchIssuer(ctx context.Context, issuer string, ik *issuerKeys) {
	var md *Metadata
	var f *Fetched
	var err error
	if s.Metadata != nil && issuer == s.Issuer {
		md, f = s.Metadata, s.MetadataFetch
		if f == nil {
			f = &Fetched{}
		}
	} else {
		md, f, err = s.Client.Discover(ctx, issuer)
	}
	switch {
	case err != nil:
		ik.err = err
	case md.JWKSURI == "":
		ik.err = &Error{URL: md.Source, Err: fmt.Errorf("the metadata at %s has no jwks_uri: the issuer publishes no keys", md.Source)}
	default:
		ik.md, ik.offset, ik.jwksURI = md, f.ClockOffset, md.JWKSURI
		if issuer == s.Issuer {
			s.Client.TrustHeaders(md.endpoints()...)
		}
	}
}

func (s *KeySource) keySet(ctx context.Context, uri string, r *decode.Result) (*decode.KeySet, *time.Duration, error) {
	s.mu.Lock()
	if s.sets == nil {
		s.sets = map[string]*keySet{}
	}
	set, ok := s.sets[uri]
	if !ok {
		set = &keySet{}
		s.sets[uri] = set
	}
	s.mu.Unlock()
	set.mu.Lock()
	defer set.mu.Unlock()
	if !set.loaded {
		set.keys, set.offset, set.err = s.fetchSet(ctx, uri, false)
		set.loaded = true
	}
	if set.err == nil && !set.refetched && decode.KidMissing(r, set.keys) && !s.Client.Offline {
		set.refetched = true
		if ks, off, err := s.fetchSet(ctx, uri, true); err == nil {
			set.keys, set.offset = ks, off
		}
	}
	return set.keys, set.offset, set.err
}

func (s *KeySource) fetchSet(ctx context.Context, uri string, fresh bool) (*decode.KeySet, *time.Duration, error) {
	ks, f, err := s.Client.KeySet(ctx, uri, fresh)
	if err != nil {
		return nil, nil, err
	}
	return ks, f.ClockOffset, nil
}
