package decode

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// PublishedKey is one key of a published set, as `oidc jwks` shows it;
// its JSON is documented.
type PublishedKey struct {
	Index      int       `json:"index"`
	Kid        string    `json:"kid,omitempty"`
	Kty        string    `json:"kty"`
	Alg        string    `json:"alg,omitempty"`
	Use        string    `json:"use,omitempty"`
	KeyOps     []string  `json:"key_ops,omitempty"`
	Bits       int       `json:"bits,omitempty"`  // RSA modulus, oct key
	Curve      string    `json:"curve,omitempty"` // EC, OKP
	Thumbprint string    `json:"thumbprint,omitempty"`
	Cert       *CertInfo `json:"certificate,omitempty"`
	// Private: private key members are in it (published by mistake).
	Private bool `json:"private"`
}

// CertInfo is the first certificate of a key's x5c.
type CertInfo struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	// X5tMatch and X5tS256Match: whether x5t and x5t#S256, when given,
	// are the certificate's thumbprints.
	X5tMatch     *bool `json:"x5t_match,omitempty"`
	X5tS256Match *bool `json:"x5t_s256_match,omitempty"`
}

// KeySetLint is what LintJWKS found.
type KeySetLint struct {
	Keys     []PublishedKey `json:"keys"`
	Findings []Finding      `json:"findings"`
}

// privateMembers are the JWK members of private keys (RFC 7518 6.2.2,
// 6.3.2, RFC 8037 2).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth"}

// LintJWKS describes each key of a published JWKS and what is wrong with
// it: private or symmetric keys published, duplicate kids, keys with
// neither alg nor use, weak or ROCA RSA moduli, EC points off their
// curve, certificates out of date or not matching, alg and kty at odds.
func LintJWKS(raw []byte, now time.Time) *KeySetLint {
	out := &KeySetLint{Keys: []PublishedKey{}, Findings: []Finding{}}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(raw), &set); err != nil || set.Keys == nil {
		out.Findings = append(out.Findings, Finding{ID: "jwks_not_json", Severity: SeverityError, Message: "not a JWK Set: a JSON object with a keys array",
			Clause: "RFC 7517 5", Fix: `serve {"keys": [...]} as application/json`})
		return out
	}
	if len(set.Keys) == 0 {
		out.Findings = append(out.Findings, Finding{ID: "jwks_empty", Severity: SeverityError, Message: "the key set has no keys: nothing verifies",
			Clause: "RFC 7517 5", Fix: "publish the signing keys"})
	}
	kids := map[string][]int{}
	for i, member := range set.Keys {
		info, fs := lintKey(i, member, now)
		out.Keys = append(out.Keys, info)
		out.Findings = append(out.Findings, fs...)
		if info.Kid != "" {
			kids[info.Kid] = append(kids[info.Kid], i)
		}
	}
	names := make([]string, 0, len(kids))
	for kid := range kids {
		names = append(names, kid)
	}
	slices.Sort(names)
	for _, kid := range names {
		if idx := kids[kid]; len(idx) > 1 {
			out.Findings = append(out.Findings, Finding{ID: "duplicate_kid", Severity: SeverityError, Member: "kid " + kid,
				Message: fmt.Sprintf("kid %s is on %d keys (%s): a client picks one of them, and a token may not verify", kid, len(idx), keyIndexes(idx)),
				Clause:  "RFC 7517 4.5", Fix: "give each key its own kid (its RFC 7638 thumbprint, say); after a rotation publish the new key under a new kid"})
		}
	}
	if len(set.Keys) > 1 {
		for _, k := range out.Keys {
			if k.Kid == "" && !k.Private {
				out.Findings = append(out.Findings, Finding{ID: "kid_missing", Severity: SeverityWarning, Member: fmt.Sprintf("keys[%d]", k.Index),
					Message: "a key without kid in a set of several: clients must try each key", Clause: "RFC 7517 4.5", Fix: "give every key a kid"})
			}
		}
	}
	SortFindings(out.Findings)
	return out
}

func keyIndexes(idx []int) string {
	s := make([]string, len(idx))
	for i, n := range idx {
		s[i] = fmt.Sprintf("keys[%d]", n)
	}
	return strings.Join(s, ", ")
}

// lintKey reads one JWK as published: its members first (what go-jose
// would hide), then the key itself.
func lintKey(i int, raw json.RawMessage, now time.Time) (PublishedKey, []Finding) {
	info := PublishedKey{Index: i}
	where := fmt.Sprintf("keys[%d]", i)
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return info, []Finding{{ID: "key_invalid", Severity: SeverityError, Member: where, Message: "not a JSON object", Clause: "RFC 7517 4", Fix: "publish each key as a JWK object"}}
	}
	str := func(name string) string {
		var s string
		_ = json.Unmarshal(m[name], &s)
		return s
	}
	info.Kid, info.Kty, info.Alg, info.Use = str("kid"), str("kty"), str("alg"), str("use")
	_ = json.Unmarshal(m["key_ops"], &info.KeyOps)
	if info.Kid != "" {
		where += " (kid " + info.Kid + ")"
	}
	var fs []Finding
	add := func(f Finding) {
		f.Member = where
		fs = append(fs, f)
	}
	var present []string
	for _, name := range privateMembers {
		if _, ok := m[name]; ok {
			present = append(present, name)
		}
	}
	if len(present) > 0 {
		info.Private = true
		add(Finding{ID: "private_key_published", Severity: SeverityCritical,
			Message: "a private key is published (" + strings.Join(present, ", ") + "): anyone can sign tokens this issuer's clients accept",
			Clause:  "RFC 7517 9.2, RFC 7518 6", Fix: "remove the key from the set at once, rotate to a new key pair, and revoke what it signed"})
	}
	if info.Kty == "oct" || m["k"] != nil {
		add(Finding{ID: "symmetric_key_published", Severity: SeverityError, Message: "a symmetric (oct) key is published: its k is the secret itself",
			Clause: "RFC 7517 9.2", Fix: "never publish HMAC keys; sign with an asymmetric key"})
	}
	if info.Alg == "" && info.Use == "" && len(info.KeyOps) == 0 {
		add(Finding{ID: "no_alg_no_use", Severity: SeverityWarning, Message: "neither alg nor use: clients cannot tell what the key is for, and take the algorithm from the token alone",
			Clause: "RFC 7517 4.2, 4.4", Fix: `publish "use": "sig" and the key's alg`})
	}
	if info.Use != "" && len(info.KeyOps) > 0 && !useAgreesWithOps(info.Use, info.KeyOps) {
		add(Finding{ID: "use_key_ops_conflict", Severity: SeverityError, Message: fmt.Sprintf("use %s and key_ops %s contradict each other", info.Use, strings.Join(info.KeyOps, ",")),
			Clause: "RFC 7517 4.3", Fix: "publish one of them, or make them agree"})
	}
	var k jose.JSONWebKey
	err := k.UnmarshalJSON(raw)
	if err != nil && (m["x5c"] != nil || m["x5t"] != nil || m["x5t#S256"] != nil) {
		// go-jose refuses a key whose certificate does not match it;
		// the certificate's own checks below say how.
		bare := maps.Clone(m)
		delete(bare, "x5c")
		delete(bare, "x5t")
		delete(bare, "x5t#S256")
		if data, merr := json.Marshal(bare); merr == nil && k.UnmarshalJSON(data) == nil {
			err = nil
		}
	}
	if err != nil {
		add(Finding{ID: "key_invalid", Severity: SeverityError, Message: "the key cannot be read: " + trimJoseErr(err), Clause: "RFC 7517 4, RFC 7518 6", Fix: "publish a well-formed JWK"})
		return info, fs
	}
	if !isSymmetric(k) {
		if pub := k.Public(); pub.Key != nil {
			k = pub
		}
		info.Thumbprint = Thumbprint(k)
	}
	switch key := k.Key.(type) {
	case *rsa.PublicKey:
		info.Bits = key.N.BitLen()
		if info.Bits < 2048 {
			add(Finding{ID: "rsa_too_small", Severity: SeverityError, Message: fmt.Sprintf("an RSA key of %d bits: 2048 is the least", info.Bits),
				Clause: "RFC 7518 3.3, 3.5", Fix: "rotate to a key of 2048 bits or more"})
		}
		if ROCAVulnerable(key.N) {
			add(Finding{ID: "roca", Severity: SeverityError, Message: "the RSA modulus has the ROCA fingerprint (CVE-2017-15361): its private key can be computed from it",
				Clause: "CVE-2017-15361", Fix: "rotate to a key generated by an unaffected library or device"})
		}
	case *ecdsa.PublicKey:
		info.Curve = key.Curve.Params().Name
		if crv := str("crv"); crv != "" && crv != info.Curve {
			add(Finding{ID: "alg_kty_mismatch", Severity: SeverityError, Message: "crv " + crv + " but the point is on " + info.Curve, Clause: "RFC 7518 6.2.1.1", Fix: "publish the key's own curve"})
		}
	case ed25519.PublicKey:
		info.Curve = "Ed25519"
	case []byte:
		info.Bits = len(key) * 8
	}
	if info.Alg != "" && !algFitsKey(info.Alg, k) {
		add(Finding{ID: "alg_kty_mismatch", Severity: SeverityError, Message: fmt.Sprintf("alg %s does not fit a %s key", info.Alg, keyShape(info)),
			Clause: "RFC 7517 4.4, RFC 7518 3.1", Fix: "publish the algorithm the key is for"})
	}
	fs = append(fs, lintCert(&info, m, k, now, add)...)
	return info, fs
}

// lintCert checks x5c's first certificate: in date, for the same key, and
// x5t / x5t#S256 its thumbprints.
func lintCert(info *PublishedKey, m map[string]json.RawMessage, k jose.JSONWebKey, now time.Time, add func(Finding)) []Finding {
	var chain []string
	if json.Unmarshal(m["x5c"], &chain) != nil || len(chain) == 0 {
		return nil
	}
	der, err := base64.StdEncoding.DecodeString(chain[0])
	var cert *x509.Certificate
	if err == nil {
		cert, err = x509.ParseCertificate(der)
	}
	if err != nil {
		add(Finding{ID: "cert_invalid", Severity: SeverityError, Message: "x5c[0] is not a certificate: " + err.Error(), Clause: "RFC 7517 4.7", Fix: "publish the DER certificate in standard base64"})
		return nil
	}
	ci := &CertInfo{Subject: cert.Subject.String(), Issuer: cert.Issuer.String(), NotBefore: cert.NotBefore.UTC(), NotAfter: cert.NotAfter.UTC()}
	info.Cert = ci
	switch {
	case now.After(cert.NotAfter):
		add(Finding{ID: "cert_expired", Severity: SeverityError, Message: "the x5c certificate expired " + cert.NotAfter.UTC().Format(time.RFC3339) + ": clients that check it refuse the key",
			Clause: "RFC 7517 4.7, RFC 5280 4.1.2.5", Fix: "publish a current certificate for the key, or rotate"})
	case now.Before(cert.NotBefore):
		add(Finding{ID: "cert_not_yet_valid", Severity: SeverityError, Message: "the x5c certificate is valid only from " + cert.NotBefore.UTC().Format(time.RFC3339),
			Clause: "RFC 5280 4.1.2.5", Fix: "publish a certificate valid now"})
	}
	if k.Key != nil {
		if pk, ok := k.Key.(interface{ Equal(crypto.PublicKey) bool }); ok && !pk.Equal(cert.PublicKey) {
			add(Finding{ID: "cert_key_mismatch", Severity: SeverityError, Message: "the x5c certificate is for another key than the JWK's", Clause: "RFC 7517 4.7", Fix: "publish the certificate of this key"})
		}
	}
	thumb := func(name string, sum []byte) *bool {
		given := ""
		if json.Unmarshal(m[name], &given) != nil || given == "" {
			return nil
		}
		ok := given == base64.RawURLEncoding.EncodeToString(sum)
		if !ok {
			add(Finding{ID: "x5t_mismatch", Severity: SeverityError, Message: name + " is not the thumbprint of x5c[0]", Clause: "RFC 7517 4.8, 4.9", Fix: "publish the certificate's own " + name})
		}
		return &ok
	}
	s1 := sha1.Sum(der)
	s256 := sha256.Sum256(der)
	ci.X5tMatch = thumb("x5t", s1[:])
	ci.X5tS256Match = thumb("x5t#S256", s256[:])
	return nil
}

func useAgreesWithOps(use string, ops []string) bool {
	sig := []string{"sign", "verify"}
	enc := []string{"encrypt", "decrypt", "wrapKey", "unwrapKey", "deriveKey", "deriveBits"}
	allowed := map[string][]string{"sig": sig, "enc": enc}[use]
	if allowed == nil {
		return true // a use of its own: nothing to compare
	}
	for _, op := range ops {
		if !slices.Contains(allowed, op) {
			return false
		}
	}
	return true
}

func algFitsKey(alg string, k jose.JSONWebKey) bool {
	if slices.Contains(KeyAlgorithms(jose.JSONWebKey{Key: k.Key}), alg) {
		return true
	}
	// Encryption keys name key management algorithms.
	switch k.Key.(type) {
	case *rsa.PublicKey:
		return strings.HasPrefix(alg, "RSA")
	case *ecdsa.PublicKey:
		return strings.HasPrefix(alg, "ECDH-ES")
	case []byte:
		return strings.HasPrefix(alg, "A") || alg == "dir"
	}
	return false
}

func keyShape(k PublishedKey) string {
	switch {
	case k.Curve != "":
		return k.Kty + " " + k.Curve
	case k.Bits > 0:
		return fmt.Sprintf("%s %d-bit", k.Kty, k.Bits)
	}
	return k.Kty
}

// ROCA (CVE-2017-15361): the RSA primes of an affected Infineon library
// are 65537^a mod M plus a multiple of M, M a product of small primes;
// so for each small prime p, N mod p lies in the subgroup that 65537
// generates mod p. Random moduli fail that test for some p almost surely.
var rocaPrimes = []int64{3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
	101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167}

// rocaSubgroups is, for each prime, the set of powers of 65537 mod it.
var rocaSubgroups = sync.OnceValue(func() []map[int64]bool {
	out := make([]map[int64]bool, len(rocaPrimes))
	for i, p := range rocaPrimes {
		g, x := int64(65537)%p, int64(1)
		set := map[int64]bool{}
		for !set[x] {
			set[x] = true
			x = x * g % p
		}
		out[i] = set
	}
	return out
})

// ROCAVulnerable reports whether an RSA modulus has the ROCA fingerprint.
func ROCAVulnerable(n *big.Int) bool {
	if n == nil || n.Sign() <= 0 {
		return false
	}
	subgroups := rocaSubgroups()
	var r big.Int
	for i, p := range rocaPrimes {
		if !subgroups[i][r.Mod(n, big.NewInt(p)).Int64()] {
			return false
		}
	}
	return true
}
