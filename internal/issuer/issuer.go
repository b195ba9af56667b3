// Package issuer is the OpenID Provider behind `oidc serve`: a small, real
// issuer for local logins and for testing relying parties, with faults that
// can be switched on to make it misbehave the way real issuers do.
package issuer

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Client is a registered client.
type Client struct {
	ID     string
	Name   string // client_name, shown on the pages
	Secret string // empty: a public client, PKCE required
	// RedirectURIs are exact, except that a loopback http URI accepts any
	// port (RFC 8252 7.3).
	RedirectURIs []string
	SkipConsent  bool
	// AuthMethod, when set, is the only client authentication the token
	// endpoint accepts from this client (token_endpoint_auth_method), as
	// Hydra and Keycloak enforce the registered one.
	AuthMethod string
	// JWKS is the client's public keys, for private_key_jwt.
	JWKS *jose.JSONWebKeySet
	// AssertionAudience, when set, is the one aud a client assertion may
	// have: "issuer" or "token-endpoint" (by default either).
	AssertionAudience string
	// RequirePAR: the client must push its authorization requests.
	RequirePAR bool
	// TLSCertThumbprint is the x5t#S256 of the certificate a client with
	// self_signed_tls_client_auth registered (RFC 8705 2.2).
	TLSCertThumbprint string
	// UserinfoEncryptionKey is the client's public key that userinfo
	// answers are encrypted to under the userinfo-encrypted fault, signed
	// first (OIDC Core 5.3.2; userinfo_encrypted_response_alg in OIDC
	// Registration 2): RSA-OAEP-256 for an RSA key, ECDH-ES+A256KW for an
	// EC one, A256GCM. A fault, not always: the client still logs in with
	// tools that cannot decrypt, then switches it on.
	UserinfoEncryptionKey *jose.JSONWebKey
}

// User is someone who can log in.
type User struct {
	Sub    string
	Name   string
	Email  string
	Groups []string
	Claims map[string]any // more claims, released with the profile scope
	// typed: a subject typed on the login page, not a configured user.
	typed bool
}

// Config configures an issuer.
type Config struct {
	Clients           []Client
	Users             []User
	AutoApprove       bool   // log in the first user at once, no pages
	AccessTokenFormat string // jwt (RFC 9068) or opaque
	SigningAlg        string // RS256, PS256, ES256, EdDSA
	TokenTTL          time.Duration
	Faults            Faults
	Now               func() time.Time
	// DeviceInterval is the polling interval the device flow asks for.
	DeviceInterval time.Duration
	// Scopes are advertised besides the standard ones.
	Scopes []string
	// TokenAuthMethods, when set, is what discovery advertises in
	// token_endpoint_auth_methods_supported, in this order.
	TokenAuthMethods []string
	// CacheMaxAge, when set, lets relying parties cache discovery and the
	// JWKS this long (default: discovery no-store, the JWKS 300 s).
	CacheMaxAge time.Duration
	// RequirePAR: every client must push its authorization requests
	// (require_pushed_authorization_requests, RFC 9126 5).
	RequirePAR bool
	// JWKS, when set, is published instead of the issuer's own keys: a key
	// set managed elsewhere (tests that sign with keys of their own).
	// SetJWKS replaces it while serving.
	JWKS []byte
}

// Defaults: what `oidc serve` offers with no flags.
var (
	DefaultClients = []Client{
		{ID: "oidc-cli", RedirectURIs: []string{"http://127.0.0.1/callback", "http://localhost/callback", "http://[::1]/callback"}, SkipConsent: true},
		{ID: "oidc-cli-confidential", Secret: "oidc-cli-secret", RedirectURIs: []string{"http://127.0.0.1/callback", "http://localhost/callback", "http://[::1]/callback"}, SkipConsent: true},
	}
	DefaultUsers = []User{
		{Sub: "alice", Name: "Alice Example", Email: "alice@example.com", Groups: []string{"admins", "developers"}},
		{Sub: "bob", Name: "Bob Example", Email: "bob@example.com", Groups: []string{"developers"}},
	}
)

// Server is a running issuer's state. It is an http.Handler.
type Server struct {
	cfg       Config
	issuer    string
	strayOnce sync.Once
	stray     jose.JSONWebKey // a key the JWKS does not have (fault kid)

	// The first keys are made in the background (makeKeys): keysMade is
	// closed once they are in, and whoever needs a key waits for it.
	keysMade chan struct{}
	keysOnce sync.Once
	keyMu    sync.RWMutex
	haveKeys bool // keys were set, made or loaded
	rsa      jose.JSONWebKey
	ec       jose.JSONWebKey
	ed       jose.JSONWebKey
	prev     []jose.JSONWebKey // the keys before the last rotation, still published

	faultMu sync.RWMutex // cfg.Faults changes while serving (/admin/faults)
	reg     registry     // clients registered while serving

	jwksMu   sync.RWMutex // cfg.JWKS changes while serving
	jwksAlgs []string     // of the first published key set: metadata stays put over a rotation
	hitsMu   sync.Mutex
	hits     map[string]int // requests by path, and token requests by grant

	mu      sync.Mutex
	pending map[string]*authRequest // interaction id -> request
	codes   map[string]*grant
	refresh map[string]*grant
	opaque  map[string]*grant    // opaque access tokens
	revoked map[string]time.Time // revoked tokens, until they expire
	swept   time.Time
	// wrong device codes in the current minute
	guessWindow time.Time
	guesses     int
	// Token families, by the login's sid: a replayed code or refresh
	// token, or a revoked refresh token, revokes everything of its login.
	familyRevoked map[string]time.Time // sid -> until
	spent         map[string]spentToken
	accessSid     map[string]spentToken     // JWT access token jti -> sid
	devices       map[string]*deviceRequest // device_code -> request
	assertionIDs  map[string]time.Time      // jti of client assertions seen, until they expire
	pushed        map[string]*pushedRequest // request_uri -> pushed request (RFC 9126)
	logouts       map[string]*pendingLogout // logout confirmations shown
	formKey       []byte                    // keys the pages' form tokens
	dpopIDs       map[string]time.Time      // jti of DPoP proofs seen
	dpopNonce     string                    // the nonce the dpop-nonce fault demands
}

// spentToken remembers which login a used code or refresh token, or an
// access token's jti, belonged to, until it would have expired.
type spentToken struct {
	sid     string
	expires time.Time
	// For an access token: who it was for when that was a typed subject,
	// and what its login page chose.
	user   *User
	choice choice
}

// choice is what the tester chose on the issuer's pages for one login:
// claims beyond the user's and the faults of its tokens. The zero value
// is the issuer's configuration.
type choice struct {
	extra  map[string]any // an RFC 7396 merge patch over the user's claims
	faults *Faults        // the login's switchable faults (fault.login); nil: the issuer's
}

func (c choice) set() bool { return c.extra != nil || c.faults != nil }

// faultsOf are the faults for the tokens of a grant: the issuer's as they
// are now, with those a login page can switch as its login chose.
func (s *Server) faultsOf(g *grant) Faults {
	f := s.faults()
	if g != nil && g.faults != nil {
		for _, ft := range faultTable {
			if ft.login {
				ft.copy(&f, g.faults)
			}
		}
	}
	return f
}

// deviceRequest is an RFC 8628 device authorization in progress.
type deviceRequest struct {
	client   *Client
	userCode string
	scope    string
	expires  time.Time
	interval time.Duration
	lastPoll time.Time
	user     *User // set when approved
	approved time.Time
	denied   bool
	choice
}

type authRequest struct {
	client              *Client
	redirectURI, state  string
	nonce, challenge    string
	scope, responseMode string
	resource            []string
	created             time.Time
	user                *User  // set once logged in, while consent is asked
	dpopJKT             string // dpop_jkt: the code is for this key only (RFC 9449 10)
	authzDetails        json.RawMessage
	method              string // code_challenge_method
	via                 string // "par", "request" (an object), or "" (the query)
	// What the page shows the tester; the issuer keeps no sessions, so
	// they change nothing else.
	prompt, maxAge, acrValues, loginHint, audience string
	choice                                         // what the login page chose, while consent is asked
}

// grant is what a code, refresh token or opaque access token stands for.
type grant struct {
	// jkt is the thumbprint of the DPoP key the tokens are bound to.
	jkt string
	// exchanged: from a token exchange, with act when someone acts for
	// the subject (RFC 8693 4.1); no ID or refresh token.
	exchanged bool
	act       string
	// refreshed: the tokens are issued for a refresh token.
	refreshed bool
	// x5t binds the tokens to a client certificate (RFC 8705 3).
	x5t string
	// authzDetails are RFC 9396's authorization_details, as granted.
	authzDetails json.RawMessage
	choice
	client   *Client
	user     *User
	scope    string
	nonce    string
	resource []string
	authTime time.Time
	sid      string
	expires  time.Time
	// challenge is the PKCE code challenge of a code, and method its
	// code_challenge_method.
	challenge, method string
	redirectURI       string
}

// New makes an issuer with fresh keys. SetIssuer must be called with the
// URL it is served at before it answers.
func New(cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = time.Hour
	}
	if cfg.DeviceInterval <= 0 {
		cfg.DeviceInterval = 5 * time.Second
	}
	if cfg.AccessTokenFormat == "" {
		cfg.AccessTokenFormat = "jwt"
	}
	if cfg.SigningAlg == "" {
		cfg.SigningAlg = "RS256"
	}
	switch cfg.SigningAlg {
	case "RS256", "PS256", "ES256", "EdDSA":
	default:
		return nil, fmt.Errorf("signing algorithm %q: use RS256, PS256, ES256 or EdDSA", cfg.SigningAlg)
	}
	if len(cfg.Clients) == 0 {
		cfg.Clients = DefaultClients
	}
	if len(cfg.Users) == 0 {
		cfg.Users = DefaultUsers
	}
	s := &Server{cfg: cfg, pending: map[string]*authRequest{}, codes: map[string]*grant{}, refresh: map[string]*grant{},
		opaque: map[string]*grant{}, revoked: map[string]time.Time{}, devices: map[string]*deviceRequest{},
		familyRevoked: map[string]time.Time{}, spent: map[string]spentToken{}, accessSid: map[string]spentToken{},
		assertionIDs: map[string]time.Time{}, dpopIDs: map[string]time.Time{}, dpopNonce: random(16),
		logouts: map[string]*pendingLogout{}, formKey: []byte(random(32))}
	s.makeKeys()
	if cfg.JWKS != nil {
		s.jwksAlgs = publishedAlgs(cfg.JWKS)
	}
	return s, nil
}

// faults are the faults in force now.
func (s *Server) faults() Faults {
	s.faultMu.RLock()
	defer s.faultMu.RUnlock()
	return s.cfg.Faults
}

// SetFaults replaces the faults in force.
func (s *Server) SetFaults(f Faults) {
	s.faultMu.Lock()
	s.cfg.Faults = f
	s.faultMu.Unlock()
}

// SetJWKS replaces the published key set (Config.JWKS).
func (s *Server) SetJWKS(doc []byte) {
	s.jwksMu.Lock()
	s.cfg.JWKS = doc
	s.jwksMu.Unlock()
}

func (s *Server) publishedJWKS() []byte {
	s.jwksMu.RLock()
	defer s.jwksMu.RUnlock()
	return s.cfg.JWKS
}

// count adds a request to a path's hits (or to "/token grant_type=G").
func (s *Server) count(key string) {
	s.hitsMu.Lock()
	if s.hits == nil {
		s.hits = map[string]int{}
	}
	s.hits[key]++
	s.hitsMu.Unlock()
}

// Hits is how many requests a path got: tests count fetches and cache
// hits, and "/token grant_type=refresh_token" counts refreshes.
func (s *Server) Hits(path string) int {
	s.hitsMu.Lock()
	defer s.hitsMu.Unlock()
	return s.hits[path]
}

// SetIssuer sets the issuer identifier: the URL the server is reached at.
func (s *Server) SetIssuer(u string) { s.issuer = strings.TrimSuffix(u, "/") }

// Issuer is the issuer identifier.
func (s *Server) Issuer() string { return s.issuer }

// Config returns the configuration in use.
func (s *Server) Config() Config {
	c := s.cfg
	c.Faults = s.faults()
	return c
}

func (s *Server) signingKey() jose.JSONWebKey {
	<-s.keysMade
	s.keyMu.RLock()
	defer s.keyMu.RUnlock()
	switch s.cfg.SigningAlg {
	case "ES256":
		return s.ec
	case "EdDSA":
		return s.ed
	}
	return s.rsa
}

// rsaKey is the current RSA key (the hs256-confusion fault needs it).
func (s *Server) rsaKey() jose.JSONWebKey {
	<-s.keysMade
	s.keyMu.RLock()
	defer s.keyMu.RUnlock()
	return s.rsa
}

// verificationKeys are the current and the previous keys.
func (s *Server) verificationKeys() []jose.JSONWebKey {
	<-s.keysMade
	s.keyMu.RLock()
	defer s.keyMu.RUnlock()
	return append([]jose.JSONWebKey{s.rsa, s.ec, s.ed}, s.prev...)
}

func (s *Server) publicKeys() jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	for _, k := range s.verificationKeys() {
		set.Keys = append(set.Keys, k.Public())
	}
	return set
}

func (s *Server) client(id string) *Client {
	for i := range s.cfg.Clients {
		if s.cfg.Clients[i].ID == id {
			return &s.cfg.Clients[i]
		}
	}
	return s.dynamicClient(id)
}

func (s *Server) user(sub string) *User {
	for i := range s.cfg.Users {
		if s.cfg.Users[i].Sub == sub {
			return &s.cfg.Users[i]
		}
	}
	return nil
}

// confidential: the client has credentials of its own (a secret, keys
// for private_key_jwt, or a certificate for mTLS).
func (c *Client) confidential() bool {
	return c.Secret != "" || c.JWKS != nil || c.TLSCertThumbprint != ""
}

// redirectAllowed: exact match, or a loopback http URI with another port
// (RFC 8252 7.3).
func (c *Client) redirectAllowed(uri string) bool {
	if slices.Contains(c.RedirectURIs, uri) {
		return true
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" {
		return false
	}
	for _, r := range c.RedirectURIs {
		ru, err := url.Parse(r)
		if err == nil && ru.Scheme == "http" && ru.Hostname() == u.Hostname() && ru.Path == u.Path && u.RawQuery == "" && u.Fragment == "" &&
			(ru.Hostname() == "127.0.0.1" || ru.Hostname() == "::1" || ru.Hostname() == "localhost") {
			return true
		}
	}
	return false
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Lifetimes of what the issuer keeps.
const (
	refreshTTL     = 24 * time.Hour
	interactionTTL = 10 * time.Minute
	maxPending     = 10000 // logins in progress at once
)

// sweep drops what has expired, at most every ten seconds, so that
// abandoned logins, unused codes and old revocations do not pile up.
func (s *Server) sweep() {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.swept) < 10*time.Second {
		return
	}
	s.swept = now
	for k, r := range s.pending {
		if now.Sub(r.created) > interactionTTL {
			delete(s.pending, k)
		}
	}
	for _, m := range []map[string]*grant{s.codes, s.refresh, s.opaque} {
		for k, g := range m {
			if now.After(g.expires) {
				delete(m, k)
			}
		}
	}
	for k, lo := range s.logouts {
		if now.Sub(lo.created) > interactionTTL {
			delete(s.logouts, k)
		}
	}
	for k, d := range s.devices {
		if now.After(d.expires) {
			delete(s.devices, k)
		}
	}
	for k, p := range s.pushed {
		if now.After(p.expires) {
			delete(s.pushed, k)
		}
	}
	for _, m := range []map[string]time.Time{s.revoked, s.familyRevoked, s.assertionIDs, s.dpopIDs} {
		for k, exp := range m {
			if now.After(exp) {
				delete(m, k)
			}
		}
	}
	for _, m := range []map[string]spentToken{s.spent, s.accessSid} {
		for k, e := range m {
			if now.After(e.expires) {
				delete(m, k)
			}
		}
	}
}

// revokeFamily revokes every token of a login (s.mu held).
func (s *Server) revokeFamily(sid string) {
	if sid != "" {
		s.familyRevoked[sid] = s.cfg.Now().Add(refreshTTL)
	}
}

// spend records a used code or refresh token (s.mu held); spent reports
// whether one comes back, and revokes its family if so.
func (s *Server) spend(token, sid string) {
	if sid != "" {
		s.spent[token] = spentToken{sid: sid, expires: s.cfg.Now().Add(refreshTTL)}
	}
}

func (s *Server) replayed(token string) bool {
	e, ok := s.spent[token]
	if ok {
		s.revokeFamily(e.sid)
	}
	return ok
}
