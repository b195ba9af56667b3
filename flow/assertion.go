package flow

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Client authentication with a signed assertion (RFC 7523 2.2, OIDC Core 9).
const (
	AuthPrivateKeyJWT   = "private_key_jwt"
	AuthClientSecretJWT = "client_secret_jwt"
	// AssertionType is client_assertion_type for a JWT (RFC 7523 2.2).
	AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// assertionLifetime is short: an assertion is for one request.
	assertionLifetime = 60 * time.Second
)

// Assertion audiences: the token endpoint's URL (RFC 7523 3, OIDC Core 9),
// or the issuer identifier, which some issuers want instead.
const (
	AudienceTokenEndpoint = "token-endpoint"
	AudienceIssuer        = "issuer"
)

// JWTAuth signs a fresh assertion for every request: iss = sub = the
// client id, a unique jti, exp a minute ahead, aud as the issuer expects.
// With a private key it is private_key_jwt; with the client secret,
// client_secret_jwt (HS256).
type JWTAuth struct {
	ClientID string
	Key      jose.JSONWebKey // private_key_jwt
	Secret   string          // client_secret_jwt
	Alg      jose.SignatureAlgorithm
	Audience string // the aud value itself
	// AudienceKind says which of the two audiences Audience is, for hints.
	AudienceKind string
	Now          func() time.Time
	subject      string        // sub when it is not the client (a JWT bearer grant's user)
	lifetime     time.Duration // 0: assertionLifetime
}

func (a *JWTAuth) Method() string {
	if a.Secret != "" {
		return AuthClientSecretJWT
	}
	return AuthPrivateKeyJWT
}

func (a *JWTAuth) ID() string { return a.ClientID }

func (a *JWTAuth) Apply(_ *http.Request, form url.Values) error {
	jwt, err := a.Assertion()
	if err != nil {
		return err
	}
	form.Set("client_id", a.ClientID)
	form.Set("client_assertion_type", AssertionType)
	form.Set("client_assertion", jwt)
	return nil
}

// Assertion signs one client assertion.
func (a *JWTAuth) Assertion() (string, error) {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	t := now()
	sub, life := a.ClientID, assertionLifetime
	if a.subject != "" {
		sub = a.subject
	}
	if a.lifetime > 0 {
		life = a.lifetime
	}
	return a.sign(map[string]any{
		"iss": a.ClientID, "sub": sub, "aud": a.Audience, "jti": randomString(),
		"iat": t.Unix(), "exp": t.Add(life).Unix(),
	}, "JWT")
}

// sign signs claims with the client's key or secret, as typ.
func (a *JWTAuth) sign(claimSet map[string]any, typ string) (string, error) {
	claims, err := json.Marshal(claimSet)
	if err != nil {
		return "", err
	}
	var key jose.SigningKey
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ))
	if a.Secret != "" {
		key = jose.SigningKey{Algorithm: jose.HS256, Key: []byte(a.Secret)}
	} else {
		key = jose.SigningKey{Algorithm: a.Alg, Key: a.Key.Key}
		opts = opts.WithHeader("kid", a.Key.KeyID)
	}
	signer, err := jose.NewSigner(key, opts)
	if err != nil {
		return "", err
	}
	obj, err := signer.Sign(claims)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// AssertionOptions choose how an assertion is made.
type AssertionOptions struct {
	Key      *jose.JSONWebKey // private_key_jwt
	Audience string           // AudienceTokenEndpoint (default) or AudienceIssuer
}

// newJWTAuth builds the assertion authentication for an issuer.
func newJWTAuth(md *Metadata, clientID, secret string, o AssertionOptions) (*JWTAuth, error) {
	a := &JWTAuth{ClientID: clientID, AudienceKind: o.Audience}
	switch o.Audience {
	case "", AudienceTokenEndpoint:
		a.Audience, a.AudienceKind = md.TokenEndpoint, AudienceTokenEndpoint
	case AudienceIssuer:
		a.Audience = md.Issuer
	default:
		return nil, &OptionError{Option: "assertion_aud", Err: errors.New("the assertion audience is token-endpoint or issuer, not " + o.Audience)}
	}
	if o.Key == nil {
		// RFC 7518 3.2: an HMAC key at least as long as the hash.
		if len(secret) < 32 {
			return nil, &OptionError{Option: "client_secret", Err: fmt.Errorf("client_secret_jwt signs with HS256, whose key must be 32 bytes or more (RFC 7518 3.2); this secret has %d: use client_secret_basic or a longer secret", len(secret))}
		}
		a.Secret = secret
		return a, nil
	}
	a.Key = *o.Key
	alg, err := signingAlg(*o.Key, md.TokenEndpointAuthSigningAlgs)
	if err != nil {
		return nil, &OptionError{Option: "client_key", Err: err}
	}
	a.Alg = alg
	return a, nil
}

// signingAlg is the algorithm for a key: its own alg, else the first the
// issuer lists that the key can make, else the key type's usual one.
func signingAlg(k jose.JSONWebKey, listed []string) (jose.SignatureAlgorithm, error) {
	var can []jose.SignatureAlgorithm
	switch key := k.Key.(type) {
	case *rsa.PrivateKey:
		can = []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.RS384, jose.PS384, jose.RS512, jose.PS512}
	case *ecdsa.PrivateKey:
		switch key.Curve {
		case elliptic.P256():
			can = []jose.SignatureAlgorithm{jose.ES256}
		case elliptic.P384():
			can = []jose.SignatureAlgorithm{jose.ES384}
		case elliptic.P521():
			can = []jose.SignatureAlgorithm{jose.ES512}
		}
	case ed25519.PrivateKey:
		can = []jose.SignatureAlgorithm{jose.EdDSA}
	}
	if len(can) == 0 {
		return "", errors.New("the client key cannot sign")
	}
	if k.Algorithm != "" {
		if !slices.Contains(can, jose.SignatureAlgorithm(k.Algorithm)) {
			return "", errors.New("the client key's alg " + k.Algorithm + " does not fit the key")
		}
		return jose.SignatureAlgorithm(k.Algorithm), nil
	}
	for _, l := range listed {
		if slices.Contains(can, jose.SignatureAlgorithm(l)) {
			return jose.SignatureAlgorithm(l), nil
		}
	}
	return can[0], nil
}
