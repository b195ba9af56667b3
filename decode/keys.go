package decode

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/go-jose/go-jose/v4"
)

// KeySet is where verification keys came from and the keys themselves.
// Keys come from the issuer's JWKS or from the user, never from a token.
type KeySet struct {
	Keys []jose.JSONWebKey
	// Source says where they came from: "jwks_uri https://...", "file
	// keys.pem", "--secret".
	Source string
	// Skipped lists keys of the set that could not be used, and why.
	Skipped []string

	thumbprints sync.Map // *jose.JSONWebKey -> string, computed once
	weak        sync.Map // key index -> weakKey's verdict, computed once
}

// Weak is weakKey of key i, computed once however many tokens it
// verifies (the ROCA test costs a few dozen divisions of the modulus).
func (ks *KeySet) Weak(i int) string {
	if w, ok := ks.weak.Load(i); ok {
		return w.(string)
	}
	w := weakKey(ks.Keys[i])
	ks.weak.Store(i, w)
	return w
}

// Thumbprint is the RFC 7638 thumbprint of key i of the set, computed once
// however many tokens it verifies.
func (ks *KeySet) Thumbprint(i int) string {
	if tp, ok := ks.thumbprints.Load(i); ok {
		return tp.(string)
	}
	tp := Thumbprint(ks.Keys[i])
	ks.thumbprints.Store(i, tp)
	return tp
}

// Kids lists the key IDs of the set, for messages.
func (ks *KeySet) Kids() []string {
	var kids []string
	for _, k := range ks.Keys {
		if k.KeyID != "" {
			kids = append(kids, k.KeyID)
		}
	}
	return kids
}

// ParseKeys reads verification keys: a JWKS, a single JWK, or PEM blocks
// (public keys, certificates, or private keys of which the public half is
// used). Keys of a set that cannot be used are skipped and listed, so one
// exotic key does not hide the others.
func ParseKeys(data []byte, source string) (*KeySet, error) {
	data = bytes.TrimSpace(data)
	ks := &KeySet{Source: source}
	switch {
	case len(data) == 0:
		return nil, errors.New("empty: expected a JWKS, a JWK or PEM")
	case data[0] == '{':
		var probe struct {
			Keys []json.RawMessage `json:"keys"`
			Kty  string            `json:"kty"`
		}
		if err := json.Unmarshal(data, &probe); err != nil {
			return nil, fmt.Errorf("not JSON: %v", err)
		}
		raws := probe.Keys
		if probe.Kty != "" {
			raws = []json.RawMessage{data}
		} else if probe.Keys == nil {
			return nil, errors.New(`JSON with neither "keys" (a JWKS) nor "kty" (a JWK)`)
		}
		for i, raw := range raws {
			var k jose.JSONWebKey
			if err := k.UnmarshalJSON(raw); err != nil {
				ks.Skipped = append(ks.Skipped, fmt.Sprintf("key %d: %v", i+1, trimJoseErr(err)))
				continue
			}
			if why := unusableForVerifying(k, raw); why != "" {
				ks.Skipped = append(ks.Skipped, fmt.Sprintf("key %d%s: %s", i+1, kidNote(k), why))
				continue
			}
			if !k.IsPublic() {
				k = k.Public() // a private JWK was given: use its public half
			}
			ks.Keys = append(ks.Keys, k)
		}
	case bytes.HasPrefix(data, []byte("-----BEGIN")):
		rest := data
		for {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			k, err := pemKey(block)
			if err != nil {
				ks.Skipped = append(ks.Skipped, fmt.Sprintf("PEM %s: %v", block.Type, err))
				continue
			}
			ks.Keys = append(ks.Keys, k)
		}
	default:
		return nil, errors.New("neither JSON (JWKS or JWK) nor PEM")
	}
	if len(ks.Keys) == 0 {
		if len(ks.Skipped) > 0 {
			return nil, fmt.Errorf("no usable key: %s", strings.Join(ks.Skipped, "; "))
		}
		return nil, errors.New("no key in it")
	}
	return ks, nil
}

func trimJoseErr(err error) string {
	return strings.TrimPrefix(err.Error(), "go-jose/go-jose: ")
}

func pemKey(block *pem.Block) (jose.JSONWebKey, error) {
	var key any
	var err error
	var certs []*x509.Certificate
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var c *x509.Certificate
		if c, err = x509.ParseCertificate(block.Bytes); err == nil {
			key, certs = c.PublicKey, []*x509.Certificate{c}
		}
	case "PRIVATE KEY":
		var pk any
		if pk, err = x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
			signer, ok := pk.(crypto.Signer)
			if !ok {
				return jose.JSONWebKey{}, fmt.Errorf("a %T cannot sign, so it verifies nothing", pk)
			}
			key = signer.Public()
		}
	case "RSA PRIVATE KEY":
		var pk *rsa.PrivateKey
		if pk, err = x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
			key = pk.Public()
		}
	case "EC PRIVATE KEY":
		var pk *ecdsa.PrivateKey
		if pk, err = x509.ParseECPrivateKey(block.Bytes); err == nil {
			key = pk.Public()
		}
	default:
		return jose.JSONWebKey{}, errors.New("not a key or certificate")
	}
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	return jose.JSONWebKey{Key: key, Certificates: certs}, nil
}

// unusableForVerifying says why a JWK of a key set must not verify
// anything, "" when it may: a symmetric key (a key set is public, or
// meant to be, so an oct key in it is a secret everyone may know, and an
// HMAC secret next to public keys invites key confusion: secrets come
// with --secret only), a key for encryption, a key whose key_ops do not
// allow verify, or whose use and key_ops contradict (RFC 7517 4.2, 4.3).
func unusableForVerifying(k jose.JSONWebKey, raw json.RawMessage) string {
	if isSymmetric(k) {
		return "a symmetric (oct) key in a key set is ignored: a key set is no place for a secret; give HMAC secrets with --secret"
	}
	var m struct {
		KeyOps []string `json:"key_ops"`
	}
	_ = json.Unmarshal(raw, &m)
	if k.Use == "enc" {
		return "use enc: an encryption key, not a signature key (RFC 7517 4.2)"
	}
	if m.KeyOps != nil {
		if k.Use != "" && !useAgreesWithOps(k.Use, m.KeyOps) {
			return fmt.Sprintf("use %s and key_ops %s contradict each other (RFC 7517 4.3): refused", k.Use, strings.Join(m.KeyOps, ","))
		}
		if !slices.Contains(m.KeyOps, "verify") {
			return fmt.Sprintf("key_ops %s does not allow verify (RFC 7517 4.3)", strings.Join(m.KeyOps, ","))
		}
	}
	return ""
}

func kidNote(k jose.JSONWebKey) string {
	if k.KeyID == "" {
		return ""
	}
	return fmt.Sprintf(" (kid %q)", k.KeyID)
}

// SecretKeySet wraps an HMAC secret.
func SecretKeySet(secret []byte, source string) *KeySet {
	return &KeySet{Keys: []jose.JSONWebKey{{Key: secret}}, Source: source}
}

// DecryptKey is a JWE decryption key with what its JWK says it is for:
// a key decrypts only with its own alg, when it has one (RFC 7517 4.4),
// and only if its use and key_ops allow decryption.
type DecryptKey struct {
	Key    any
	Alg    string
	Use    string
	KeyOps []string
}

// DecryptionKey reads a JWE decryption key: a private JWK (or the first
// key of a JWKS), a PEM private key, or raw symmetric key bytes
// (base64url or as is). It returns a *DecryptKey.
func DecryptionKey(data []byte) (any, error) {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) > 0 && data[0] == '{':
		raw := json.RawMessage(data)
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(data); err != nil {
			var set struct {
				Keys []json.RawMessage `json:"keys"`
			}
			if json.Unmarshal(data, &set) != nil || len(set.Keys) == 0 || k.UnmarshalJSON(set.Keys[0]) != nil {
				return nil, fmt.Errorf("JWK: %s", trimJoseErr(err))
			}
			raw = set.Keys[0]
		}
		var m struct {
			KeyOps []string `json:"key_ops"`
		}
		_ = json.Unmarshal(raw, &m)
		return &DecryptKey{Key: k.Key, Alg: k.Algorithm, Use: k.Use, KeyOps: m.KeyOps}, nil
	case bytes.HasPrefix(data, []byte("-----BEGIN")):
		block, _ := pem.Decode(data)
		if block == nil {
			return nil, errors.New("bad PEM")
		}
		var key any
		var err error
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		default:
			return nil, fmt.Errorf("PEM %s is not a private key", block.Type)
		}
		if err != nil {
			return nil, err
		}
		return &DecryptKey{Key: key}, nil
	default:
		if raw, err := base64.RawURLEncoding.DecodeString(string(data)); err == nil && len(raw) >= 16 {
			return &DecryptKey{Key: raw}, nil
		}
		return &DecryptKey{Key: data}, nil
	}
}

// keyAlgorithms are the JWE key management algorithms the key may
// decrypt with: its own alg, else what its type can do, except RSA1_5
// (PKCS #1 v1.5 padding: an oracle, RFC 8725 3.2), which only a key that
// says RSA1_5 may use.
func (k *DecryptKey) keyAlgorithms() ([]jose.KeyAlgorithm, error) {
	if k.Use == "sig" {
		return nil, errors.New("the key is for signatures (use sig), not for decryption (RFC 7517 4.2)")
	}
	if k.KeyOps != nil {
		if k.Use != "" && !useAgreesWithOps(k.Use, k.KeyOps) {
			return nil, fmt.Errorf("use %s and key_ops %s contradict each other (RFC 7517 4.3)", k.Use, strings.Join(k.KeyOps, ","))
		}
		if !slices.Contains(k.KeyOps, "decrypt") && !slices.Contains(k.KeyOps, "unwrapKey") && !slices.Contains(k.KeyOps, "deriveKey") {
			return nil, fmt.Errorf("key_ops %s allows no decryption (RFC 7517 4.3)", strings.Join(k.KeyOps, ","))
		}
	}
	var algs []jose.KeyAlgorithm
	switch key := k.Key.(type) {
	case *rsa.PrivateKey:
		algs = []jose.KeyAlgorithm{jose.RSA_OAEP, jose.RSA_OAEP_256}
		if k.Alg == string(jose.RSA1_5) {
			algs = []jose.KeyAlgorithm{jose.RSA1_5}
		}
	case *ecdsa.PrivateKey:
		algs = []jose.KeyAlgorithm{jose.ECDH_ES, jose.ECDH_ES_A128KW, jose.ECDH_ES_A192KW, jose.ECDH_ES_A256KW}
	case []byte:
		algs = []jose.KeyAlgorithm{jose.DIRECT, jose.PBES2_HS256_A128KW, jose.PBES2_HS384_A192KW, jose.PBES2_HS512_A256KW}
		switch len(key) {
		case 16:
			algs = append(algs, jose.A128KW, jose.A128GCMKW)
		case 24:
			algs = append(algs, jose.A192KW, jose.A192GCMKW)
		case 32:
			algs = append(algs, jose.A256KW, jose.A256GCMKW)
		}
	default:
		return nil, fmt.Errorf("a %T cannot decrypt: give the private key or the shared secret", k.Key)
	}
	if k.Alg == "" {
		return algs, nil
	}
	if _, isSecret := k.Key.([]byte); isSecret && slices.Contains(allContentEncs, jose.ContentEncryption(k.Alg)) {
		// A content encryption key (RFC 7520 5.6): direct encryption only.
		return []jose.KeyAlgorithm{jose.DIRECT}, nil
	}
	if slices.Contains(algs, jose.KeyAlgorithm(k.Alg)) {
		return []jose.KeyAlgorithm{jose.KeyAlgorithm(k.Alg)}, nil
	}
	return nil, fmt.Errorf("the key says alg %s, which a key of its kind cannot decrypt with", k.Alg)
}

func isSymmetric(k jose.JSONWebKey) bool {
	_, ok := k.Key.([]byte)
	return ok
}

// KeyType is the JWK kty of a key.
func KeyType(k jose.JSONWebKey) string {
	switch key := k.Key.(type) {
	case *rsa.PublicKey, *rsa.PrivateKey:
		return "RSA"
	case *ecdsa.PublicKey, *ecdsa.PrivateKey:
		return "EC"
	case ed25519.PublicKey, ed25519.PrivateKey:
		return "OKP"
	case []byte:
		return "oct"
	default:
		return fmt.Sprintf("%T", key)
	}
}

// KeyAlgorithms lists the JWS algorithms a key can verify. The key's own
// alg, when it names one, is the only one: this is where the algorithm of
// a verification comes from, never the token's header alone.
func KeyAlgorithms(k jose.JSONWebKey) []string {
	var algs []string
	switch key := k.Key.(type) {
	case *rsa.PublicKey:
		algs = rsaAlgs
	case *ecdsa.PublicKey:
		switch key.Curve {
		case elliptic.P256():
			algs = es256
		case elliptic.P384():
			algs = es384
		case elliptic.P521():
			algs = es512
		}
	case ed25519.PublicKey:
		algs = edAlgs
	case []byte:
		algs = hmacAlgs
	}
	if k.Algorithm != "" {
		if i := slices.Index(algs, k.Algorithm); i >= 0 {
			return algs[i : i+1 : i+1]
		}
		return nil // the key says it is for something it cannot do
	}
	return slices.Clip(algs)
}

// The algorithms each kind of key can verify. Shared: KeyAlgorithms'
// callers only read them (and its results are clipped, so an append
// copies).
var (
	rsaAlgs  = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	es256    = []string{"ES256"}
	es384    = []string{"ES384"}
	es512    = []string{"ES512"}
	edAlgs   = []string{"EdDSA", "Ed25519"}
	hmacAlgs = []string{"HS256", "HS384", "HS512"}
)

// RSABits returns the modulus size of an RSA key, or 0.
func RSABits(k jose.JSONWebKey) int {
	if key, ok := k.Key.(*rsa.PublicKey); ok {
		return key.N.BitLen()
	}
	return 0
}

// Thumbprint is the RFC 7638 SHA-256 thumbprint of a public key.
func Thumbprint(k jose.JSONWebKey) string {
	if isSymmetric(k) {
		return ""
	}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(tp)
}

// SigningKey reads a private key to sign with (a client assertion, a
// request object): a JWK, the first key of a JWKS, or a PEM private key.
// Its kid is kept; a key without one gets its RFC 7638 thumbprint, which
// is what registering its public JWKS makes findable.
func SigningKey(data []byte) (jose.JSONWebKey, error) {
	dk, err := DecryptionKey(data)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	k := dk.(*DecryptKey).Key
	var jwk jose.JSONWebKey
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		if jwk.UnmarshalJSON(bytes.TrimSpace(data)) != nil {
			var set jose.JSONWebKeySet
			_ = json.Unmarshal(bytes.TrimSpace(data), &set)
			if len(set.Keys) > 0 {
				jwk = set.Keys[0]
			}
		}
	} else {
		jwk = jose.JSONWebKey{Key: k}
	}
	switch k.(type) {
	case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
	case []byte:
		return jose.JSONWebKey{}, errors.New("not a private key: a JWK, a JWKS or a PEM private key (a shared secret signs with client_secret_jwt instead)")
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		return jose.JSONWebKey{}, errors.New("a public key cannot sign: give the private key (the file oidc keygen --out wrote)")
	default:
		return jose.JSONWebKey{}, fmt.Errorf("a %T cannot sign: give a private RSA, EC or Ed25519 key", k)
	}
	if rk, ok := k.(*rsa.PrivateKey); ok && rk.N.BitLen() < 2048 {
		return jose.JSONWebKey{}, fmt.Errorf("an RSA key of %d bits: RFC 7518 3.3 wants 2048 or more", rk.N.BitLen())
	}
	if jwk.KeyID == "" {
		jwk.KeyID = Thumbprint(jwk.Public())
	}
	return jwk, nil
}

// NewSigningKey generates a client key pair for alg (ES256, RS256, PS256
// or EdDSA), its kid the RFC 7638 thumbprint and its use sig, to register
// the public half with an issuer.
func NewSigningKey(alg string) (jose.JSONWebKey, error) {
	var priv any
	var err error
	switch alg {
	case "ES256":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "RS256", "PS256":
		priv, err = rsa.GenerateKey(rand.Reader, 3072)
	case "EdDSA":
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		return jose.JSONWebKey{}, fmt.Errorf("alg %q: use ES256, RS256, PS256 or EdDSA", alg)
	}
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	k := jose.JSONWebKey{Key: priv, Algorithm: alg, Use: "sig"}
	k.KeyID = Thumbprint(k.Public())
	return k, nil
}
