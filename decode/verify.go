package decode

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Check statuses.
const (
	Pass = "pass"
	Fail = "fail"
	Warn = "warn"
	Skip = "skip" // its input was not given
)

// Profiles a token is verified against.
const (
	ProfileID     = "id"     // OIDC Core 3.1.3.7 ID token
	ProfileAccess = "access" // RFC 9068 JWT access token
	ProfileLogout = "logout" // OIDC Back-Channel Logout 2.4 logout token
	// ProfileUserinfo is a signed userinfo response (OIDC Core 5.3.2):
	// iss and aud are checked, exp and iat only when present.
	ProfileUserinfo = "userinfo"
	// ProfileJOSE checks the JOSE layer only: algorithm, key, signature,
	// crit, header protection, decryption; the payload need not be
	// claims (a signed document, a test vector).
	ProfileJOSE = "jose"
	// ProfileIntrospection is a JWT introspection response (RFC 9701 5):
	// typ token-introspection+jwt, iss, aud and iat, the answer in the
	// token_introspection claim; no exp, no sub.
	ProfileIntrospection = "introspection"
)

// Check is one verification step. IDs are stable: scripts match on them.
type Check struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Message  string `json:"message"`
	Expected string `json:"expected,omitempty"`
	Found    string `json:"found,omitempty"`
	Hint     string `json:"hint,omitempty"`
}

// Verification is the outcome of verifying one token. Its JSON form is the
// documented `oidc verify --json` schema.
type Verification struct {
	Valid         bool       `json:"valid"`
	Profile       string     `json:"profile"`
	ProfileReason string     `json:"profile_reason,omitempty"`
	Issuer        IssuerInfo `json:"issuer"`
	Key           *KeyInfo   `json:"key,omitempty"`
	Checks        []Check    `json:"checks"`
	Token         *Result    `json:"token"`
	// Nested is the decrypted inner token of a JWE, when it was decrypted.
	Nested *Result `json:"nested_token,omitempty"`
	// Plaintext says what a JWE decrypted to, when it was decrypted.
	Plaintext *Plaintext `json:"plaintext,omitempty"`
}

// IssuerInfo says which issuer the token was checked against.
type IssuerInfo struct {
	URL    string `json:"url"`
	Pinned bool   `json:"pinned"` // false: taken from the token's own iss
}

// KeyInfo describes the key that verified (or was tried on) the token.
type KeyInfo struct {
	Kid        string `json:"kid,omitempty"`
	Kty        string `json:"kty"`
	Alg        string `json:"alg,omitempty"`
	Thumbprint string `json:"thumbprint,omitempty"` // RFC 7638, SHA-256
	Source     string `json:"source"`
}

// VerifyOptions are what the caller expects of the token.
type VerifyOptions struct {
	Issuer       string
	IssuerPinned bool
	Audience     []string // any of them must be in aud
	ClientID     string
	Nonce        string
	MaxAge       *time.Duration // nil: not checked; 0 is a real max_age
	ACR          []string
	AccessToken  string // for at_hash
	Code         string // for c_hash
	Profile      string // id, access, logout, or "" / "auto"
	Leeway       time.Duration
	Now          time.Time
	// Algorithms allowed by the user (--alg) and by the issuer's metadata
	// (id_token_signing_alg_values_supported); nil means no restriction.
	Algorithms           []string
	DiscoveredAlgorithms []string
	// ClockOffset is the issuer's clock minus ours, from its Date header,
	// when known: it turns a time failure into a precise hint.
	ClockOffset *time.Duration
	// DecryptionKey decrypts a JWE before verifying the token inside.
	DecryptionKey any
	// Flags maps an input's name to the flag that gives it in the calling
	// command, so hints can name it: with {"nonce": "--nonce"} a hint
	// reads "the nonce sent in the authorization request was not given
	// (--nonce)"; an input not in the map (or a nil map) is named in words
	// only, since the same checks run under commands with other flags.
	// Inputs: issuer, client_id, audience, nonce, max_age, acr,
	// access_token, code, type (shown with the profile after it: "--type
	// access"), jwks, key, secret, decrypt_key, leeway, time, alg.
	Flags map[string]string
}

// FlagNote is " (--a, --b or --c)": the flags that give any of the inputs
// in the calling command, or "" when it has none of them.
func FlagNote(flags map[string]string, inputs ...string) string {
	var fs []string
	for _, in := range inputs {
		if f := flags[in]; f != "" {
			fs = append(fs, f)
		}
	}
	switch len(fs) {
	case 0:
		return ""
	case 1:
		return " (" + fs[0] + ")"
	}
	return " (" + strings.Join(fs[:len(fs)-1], ", ") + " or " + fs[len(fs)-1] + ")"
}

// profileNote is " (--type access)" when the command chooses profiles
// with a flag.
func profileNote(flags map[string]string, profile string) string {
	if f := flags["type"]; f != "" {
		return " (" + f + " " + profile + ")"
	}
	return ""
}

// Verify runs every check on a decoded token. Keys come from the caller:
// never from the token.
func Verify(r *Result, keys *KeySet, opts VerifyOptions) *Verification {
	v := &Verification{Token: r, Checks: make([]Check, 0, 20), Issuer: IssuerInfo{URL: opts.Issuer, Pinned: opts.IssuerPinned}}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	target := r
	if r.Kind == KindJWE {
		inner, ok := v.decrypt(r, opts)
		if !ok {
			v.finish()
			return v
		}
		if v.Nested == nil {
			// Not a token inside: the JWE is all there is to check.
			v.unsignedContent(inner, opts)
			v.finish()
			return v
		}
		target = inner
	}
	v.profile(target, opts)
	c := &checker{v: v, r: target, opts: opts}
	c.profileConflict()
	c.structure()
	alg := c.alg(keys)
	if c.crit() {
		c.signature(keys, alg)
	} else {
		c.add("signature", Fail, "not checked: the token requires extensions that are not understood")
	}
	if v.Profile == ProfileJOSE {
		// The JOSE layer only: what the payload says is not checked.
		v.finish()
		return v
	}
	c.typ()
	c.claimsChecks(alg)
	v.finish()
	return v
}

func (v *Verification) add(c Check) { v.Checks = append(v.Checks, c) }

func (v *Verification) finish() {
	v.Valid = true
	for _, c := range v.Checks {
		if c.Status == Fail {
			v.Valid = false
		}
	}
}

// Failed returns the checks that failed.
func (v *Verification) Failed() []Check {
	var out []Check
	for _, c := range v.Checks {
		if c.Status == Fail {
			out = append(out, c)
		}
	}
	return out
}

func (v *Verification) decrypt(r *Result, opts VerifyOptions) (*Result, bool) {
	if opts.DecryptionKey == nil {
		v.add(Check{ID: "decrypt", Status: Fail, Message: "the token is encrypted (JWE) and no decryption key was given",
			Hint: "the private key (or shared secret) the token was encrypted to was not given" + FlagNote(opts.Flags, "decrypt_key")})
		return nil, false
	}
	plain, err := Decrypt(r, opts.DecryptionKey)
	if err != nil {
		v.add(Check{ID: "decrypt", Status: Fail, Message: err.Error(),
			Hint: "the key is not the one the token was encrypted to, or the token was altered"})
		return nil, false
	}
	inner, isToken := innerToken(plain, r, opts.Now)
	if !isToken {
		// A JWT whose claims are encrypted but not signed, or other
		// content: shown, and checked by what proves its origin.
		v.Plaintext = describePlaintext(plain)
		v.add(Check{ID: "decrypt", Status: Pass, Message: fmt.Sprintf("decrypted %d bytes with the given key: %s, not a signed token", len(plain), plaintextWhat(v.Plaintext))})
		return decryptedView(r, plain, v.Plaintext, opts.Now), true
	}
	v.Plaintext = &Plaintext{Bytes: len(plain), Form: PlaintextToken}
	v.Nested = inner
	v.add(Check{ID: "decrypt", Status: Pass, Message: fmt.Sprintf("decrypted with the given key; inside is %s %s", article(string(inner.Kind)), inner.Kind)})
	return inner, true
}

// Decrypt decrypts a JWE with the given key (a *DecryptKey, or a bare
// key): only with the key management algorithms the key allows, so that
// a key for one algorithm never decrypts a token of another (an AES key
// wrap key a direct-encryption token, an RSA-OAEP key an RSA1_5 one).
func Decrypt(r *Result, key any) ([]byte, error) {
	dk, ok := key.(*DecryptKey)
	if !ok {
		dk = &DecryptKey{Key: key}
	}
	algs, err := dk.keyAlgorithms()
	if err != nil {
		return nil, err
	}
	if alg, _ := stringMember(r.HeaderMembers, "alg"); alg != "" && !slices.Contains(algs, jose.KeyAlgorithm(alg)) && !strings.HasPrefix(r.Serialization, "json") {
		allowed := make([]string, len(algs))
		for i, a := range algs {
			allowed[i] = string(a)
		}
		why := "the key allows " + strings.Join(allowed, ", ")
		if alg == string(jose.RSA1_5) {
			why += "; RSA1_5's padding is a decryption oracle (RFC 8725 3.2), used only with a key that says alg RSA1_5"
		}
		return nil, fmt.Errorf("alg %s: not decrypted with this key: %s", alg, why)
	}
	encs := allContentEncs
	if _, isSecret := dk.Key.([]byte); isSecret && slices.Contains(allContentEncs, jose.ContentEncryption(dk.Alg)) {
		encs = []jose.ContentEncryption{jose.ContentEncryption(dk.Alg)}
		if enc, _ := stringMember(r.HeaderMembers, "enc"); enc != dk.Alg {
			return nil, fmt.Errorf("enc %s: the key is a %s content encryption key (alg %s)", enc, dk.Alg, dk.Alg)
		}
	}
	raw, err := recipientsFor(r.Raw, algs)
	if err != nil {
		return nil, err
	}
	obj, err := jose.ParseEncrypted(raw, algs, encs)
	if err != nil {
		return nil, fmt.Errorf("cannot parse the JWE: %s", trimJoseErr(err))
	}
	_, _, plain, err := obj.DecryptMulti(dk.Key) // any one recipient's key will do
	if err != nil {
		return nil, fmt.Errorf("decryption failed: %s", trimJoseErr(err))
	}
	return plain, nil
}

// recipientsFor keeps, of a general JSON JWE's recipients, those whose
// alg the key allows: the key is never tried with another algorithm.
func recipientsFor(raw string, algs []jose.KeyAlgorithm) (string, error) {
	var doc map[string]json.RawMessage
	if !strings.HasPrefix(strings.TrimSpace(raw), "{") || json.Unmarshal([]byte(raw), &doc) != nil || doc["recipients"] == nil {
		return raw, nil
	}
	var recipients []map[string]json.RawMessage
	if json.Unmarshal(doc["recipients"], &recipients) != nil {
		return raw, nil
	}
	shared := ""
	var prot struct {
		Alg string `json:"alg"`
	}
	if p, ok := doc["protected"]; ok {
		var b64 string
		if json.Unmarshal(p, &b64) == nil {
			if h, err := base64.RawURLEncoding.DecodeString(b64); err == nil && json.Unmarshal(h, &prot) == nil {
				shared = prot.Alg
			}
		}
	}
	if u, ok := doc["unprotected"]; ok && shared == "" {
		_ = json.Unmarshal(u, &prot)
		shared = prot.Alg
	}
	var kept []map[string]json.RawMessage
	var seen []string
	for _, rc := range recipients {
		alg := shared
		var h struct {
			Alg string `json:"alg"`
		}
		if json.Unmarshal(rc["header"], &h) == nil && h.Alg != "" {
			alg = h.Alg
		}
		seen = append(seen, alg)
		if slices.Contains(algs, jose.KeyAlgorithm(alg)) {
			kept = append(kept, rc)
		}
	}
	if len(kept) == 0 {
		return "", fmt.Errorf("no recipient of the JWE uses an algorithm this key allows (recipients: %s)", strings.Join(seen, ", "))
	}
	data, err := json.Marshal(kept)
	if err != nil {
		return "", err
	}
	doc["recipients"] = data
	out, err := json.Marshal(doc)
	return string(out), err
}

var allKeyAlgs = []jose.KeyAlgorithm{jose.RSA1_5, jose.RSA_OAEP, jose.RSA_OAEP_256, jose.A128KW, jose.A192KW, jose.A256KW,
	jose.DIRECT, jose.ECDH_ES, jose.ECDH_ES_A128KW, jose.ECDH_ES_A192KW, jose.ECDH_ES_A256KW, jose.A128GCMKW, jose.A192GCMKW,
	jose.A256GCMKW, jose.PBES2_HS256_A128KW, jose.PBES2_HS384_A192KW, jose.PBES2_HS512_A256KW}

var allContentEncs = []jose.ContentEncryption{jose.A128CBC_HS256, jose.A192CBC_HS384, jose.A256CBC_HS512, jose.A128GCM, jose.A192GCM, jose.A256GCM}

// profile decides which rules apply.
func (v *Verification) profile(r *Result, opts VerifyOptions) {
	switch opts.Profile {
	case ProfileID, ProfileAccess, ProfileLogout, ProfileUserinfo, ProfileIntrospection, ProfileJOSE:
		v.Profile, v.ProfileReason = opts.Profile, "chosen by the caller"
		if f := opts.Flags["type"]; f != "" {
			v.ProfileReason = "chosen with " + f
		} else if r.Label != "" {
			v.ProfileReason = "the " + r.Label + " of the response"
		}
		return
	}
	g := r.Guess
	switch {
	case g != nil && g.Type == TypeAccessToken:
		v.Profile = ProfileAccess
	case g != nil && g.Type == TypeLogoutToken:
		v.Profile = ProfileLogout
	case g != nil && g.Type == TypeIDToken:
		v.Profile = ProfileID
	default:
		v.Profile, v.ProfileReason = ProfileID, "nothing marks the token type; checked as an ID token"
		if f := opts.Flags["type"]; f != "" {
			v.ProfileReason += " (choose with " + f + ")"
		}
		return
	}
	v.ProfileReason = "auto: " + strings.Join(g.Evidence, "; ")
}

// profileConflict fails when the token chose a profile whose checks skip
// what the caller asked to check: an access token must not pass as the ID
// token someone is verifying just because its typ says so.
func (c *checker) profileConflict() {
	if c.opts.Profile != "" || c.v.Profile == ProfileID {
		return
	}
	var asked []string
	for flag, given := range map[string]bool{"--nonce": c.opts.Nonce != "", "--access-token": c.opts.AccessToken != "",
		"--code": c.opts.Code != "", "--max-age": c.opts.MaxAge != nil, "--acr": len(c.opts.ACR) > 0,
		// A logout token's audience is the client; an access token's is an API.
		"--client-id without --audience": c.v.Profile == ProfileAccess && c.opts.ClientID != "" && len(c.opts.Audience) == 0} {
		if given {
			asked = append(asked, flag)
		}
	}
	if len(asked) > 0 {
		slices.Sort(asked)
		c.add("profile", Fail, fmt.Sprintf("%s asks for ID token checks, but the token is %s %s token (%s)", strings.Join(asked, ", "), article(c.v.Profile), c.v.Profile, c.v.ProfileReason),
			hint(c.substitutionHint()))
	}
}

// substitutionHint advises checking the token under its own profile only
// when the token says what it is: a guess from a claim or two is no
// ground for rules it may not be meant for.
func (c *checker) substitutionHint() string {
	const lead = "a token of another kind presented where an ID token is expected is token substitution"
	switch {
	case !declares(c.r, c.v.Profile):
		return lead + ": nothing but a few claims says what it is, so make sure it is the ID token (id_token in the token response), not the access token"
	case c.v.Profile == ProfileAccess:
		return lead + "; if you meant to verify it as the access token it is, check it as one" + profileNote(c.opts.Flags, ProfileAccess) +
			" against the API's audience" + FlagNote(c.opts.Flags, "audience")
	}
	return lead + "; if you meant to verify it as the " + c.v.Profile + " token it is, check it as one" + profileNote(c.opts.Flags, c.v.Profile)
}

// declares reports whether the token itself says it is of the profile:
// by its typ, the response member it came in, Keycloak's typ claim, the
// logout event, or RFC 9068's client_id and jti with no ID token marks.
func declares(r *Result, profile string) bool {
	typ, _ := stringMember(r.HeaderMembers, "typ")
	typ = strings.TrimPrefix(strings.ToLower(typ), "application/")
	kc, _ := stringMember(r.Claims, "typ")
	switch profile {
	case ProfileAccess:
		return typ == "at+jwt" || r.Label == "access_token" || kc == "Bearer" ||
			has(r.Claims, "client_id") && has(r.Claims, "jti") && len(idTokenMarks(r.Claims)) == 0
	case ProfileLogout:
		return typ == "logout+jwt" || r.Label == "logout_token" || kc == "Logout" ||
			strings.Contains(string(lookup(r.Claims, "events")), backchannelLogoutEvent)
	}
	return false
}

// idTokenMarks are the claims only ID tokens carry.
func idTokenMarks(c []Member) []string { return present(c, "nonce", "at_hash", "c_hash") }

type checker struct {
	v    *Verification
	r    *Result
	opts VerifyOptions
}

func (c *checker) add(id, status, msg string, details ...detail) {
	ch := Check{ID: id, Status: status, Message: msg}
	for _, d := range details {
		switch d.field {
		case 'e':
			ch.Expected = d.value
		case 'f':
			ch.Found = d.value
		case 'h':
			ch.Hint = d.value
		}
	}
	c.v.add(ch)
}

// detail is an optional part of a Check. A value rather than a setter
// function: the Check then stays on the stack, and a batch of tokens makes
// a few dozen checks per token.
type detail struct {
	field byte
	value string
}

func expected(s string) detail { return detail{'e', s} }
func found(s string) detail    { return detail{'f', s} }
func hint(s string) detail     { return detail{'h', s} }

// structure fails tokens whose JSON is ambiguous.
func (c *checker) structure() {
	var dups []string
	for _, w := range c.r.Warnings {
		if w.Code == "duplicate_member" {
			dups = append(dups, w.Message)
		}
	}
	if len(dups) > 0 {
		c.add("duplicates", Fail, strings.Join(dups, "; "),
			hint("a token with a member twice means different things to different parsers: the signer and the verifier may not agree on its claims (RFC 8725 3.10)"))
	}
	// In JSON serializations only the protected header is signed: what
	// decides how the token is read must be in it.
	if len(c.r.Unprotect) > 0 {
		if unprot, err := ObjectMembers(c.r.Unprotect); err == nil {
			for _, name := range []string{"typ", "crit", "cty", "b64"} {
				if has(unprot, name) {
					c.add("header_protection", Fail, name+" is in the unprotected header: anyone can change it without breaking the signature",
						hint("RFC 7515 7.2: parameters that change how a token is read must be integrity protected"))
				}
			}
		}
	}
	for _, w := range c.r.Warnings {
		switch w.Code {
		case "header_overlap":
			c.add("header_protection", Fail, w.Message)
		case "disclosure_unreferenced":
			c.add("disclosures", Fail, w.Message, hint("an SD-JWT disclosure counts only if the issuer signed its digest; this one was added later"))
		}
	}
	for _, name := range []string{"jku", "x5u", "jwk", "x5c"} {
		if has(c.r.HeaderMembers, name) {
			c.add("header_keys", Warn, fmt.Sprintf("the header carries %s; it was ignored: keys come from the issuer or from you, never from the token", name))
			break
		}
	}
}

// alg decides the algorithm: the header's alg, allowed only if the key,
// --alg and the issuer's metadata allow it.
func (c *checker) alg(keys *KeySet) string {
	alg, ok := stringMember(c.r.HeaderMembers, "alg")
	switch {
	case !ok:
		c.add("alg", Fail, "the header has no alg")
		return ""
	case strings.EqualFold(alg, "none"):
		c.add("alg", Fail, fmt.Sprintf("alg is %q: the token is not signed", alg), found(alg),
			hint("an unsecured token proves nothing; no verifier may accept it (RFC 8725 3.1)"))
		return ""
	}
	if len(c.opts.Algorithms) > 0 && !slices.Contains(c.opts.Algorithms, alg) {
		c.add("alg", Fail, fmt.Sprintf("alg %s is not one of --alg %s", alg, strings.Join(c.opts.Algorithms, ",")), found(alg), expected(strings.Join(c.opts.Algorithms, ",")))
		return ""
	}
	if c.v.Profile == ProfileID && len(c.opts.DiscoveredAlgorithms) > 0 && !slices.Contains(c.opts.DiscoveredAlgorithms, alg) {
		c.add("alg", Fail, fmt.Sprintf("alg %s is not in the issuer's id_token_signing_alg_values_supported", alg),
			found(alg), expected(strings.Join(c.opts.DiscoveredAlgorithms, ",")))
		return ""
	}
	if keys != nil && len(keys.Keys) > 0 {
		var allowed []string
		for _, k := range keys.Keys {
			for _, a := range KeyAlgorithms(k) {
				if !slices.Contains(allowed, a) {
					allowed = append(allowed, a)
				}
			}
		}
		if !slices.Contains(allowed, alg) {
			h := "the token claims an algorithm the keys cannot do: a forged token, or keys of another issuer"
			if why := refusedKid(c.r, keys); why != "" {
				h = why
			}
			if strings.HasPrefix(alg, "HS") {
				h = "an HMAC token checked against public keys: the key confusion attack (RFC 8725 2.1); HMAC needs the shared secret" + FlagNote(c.opts.Flags, "secret")
			}
			c.add("alg", Fail, fmt.Sprintf("alg %s is not one the keys allow", alg), found(alg), expected(strings.Join(allowed, ",")), hint(h))
			return ""
		}
	}
	if keys == nil || len(keys.Keys) == 0 {
		c.add("alg", Pass, fmt.Sprintf("%s (no key to compare it with)", alg), found(alg))
	} else {
		c.add("alg", Pass, fmt.Sprintf("%s, allowed by the key", alg), found(alg))
	}
	return alg
}

// candidateKeys picks the keys that could have signed the token: by kid,
// then by algorithm and use.
func candidateKeys(r *Result, keys *KeySet, alg string) (cands []int, why string) {
	kid, hasKid := stringMember(r.HeaderMembers, "kid")
	for i, k := range keys.Keys {
		if hasKid && k.KeyID != "" && k.KeyID != kid {
			continue
		}
		if k.Use == "enc" || !slices.Contains(KeyAlgorithms(k), alg) {
			continue
		}
		cands = append(cands, i)
	}
	if len(cands) > 0 {
		return cands, ""
	}
	if hasKid {
		for _, k := range keys.Keys {
			if k.KeyID == kid {
				return nil, fmt.Sprintf("kid %q is %s, which cannot verify %s", kid, describeKey(k), alg)
			}
		}
		if why := refusedKid(r, keys); why != "" {
			return nil, why
		}
		kids := keys.Kids()
		if len(kids) == 0 {
			return nil, fmt.Sprintf("no key for kid %q and %s", kid, alg)
		}
		return nil, fmt.Sprintf("kid %q is not in the key set (it has %s)", kid, strings.Join(kids, ", "))
	}
	return nil, fmt.Sprintf("no key in the set can verify %s", alg)
}

// refusedKid says why the key the token's kid names was left out of the
// set (key_ops, use, a symmetric key), "" when it was not.
func refusedKid(r *Result, keys *KeySet) string {
	kid, ok := stringMember(r.HeaderMembers, "kid")
	if !ok || keys == nil {
		return ""
	}
	for _, skipped := range keys.Skipped {
		if strings.Contains(skipped, fmt.Sprintf("(kid %q)", kid)) {
			return "the key set's key for kid " + strconv.Quote(kid) + " was refused: " + skipped
		}
	}
	return ""
}

// KidMissing reports whether the token names a kid the key set lacks: the
// caller may refetch the set once (the issuer may have rotated its keys).
func KidMissing(r *Result, keys *KeySet) bool {
	kid, ok := stringMember(r.HeaderMembers, "kid")
	if !ok || keys == nil {
		return false
	}
	return !slices.Contains(keys.Kids(), kid)
}

func (c *checker) signature(keys *KeySet, alg string) {
	if alg == "" {
		c.add("key", Skip, "no acceptable algorithm, so no key was chosen")
		c.add("signature", Fail, "not checked: the algorithm was rejected")
		return
	}
	if keys == nil || len(keys.Keys) == 0 {
		c.add("key", Fail, "no verification key",
			hint("neither the issuer's keys nor a shared secret were given"+FlagNote(c.opts.Flags, "issuer", "jwks", "key", "secret")))
		c.add("signature", Fail, "not checked: no key")
		return
	}
	cands, why := candidateKeys(c.r, keys, alg)
	if len(cands) == 0 {
		c.add("key", Fail, why, hint("the issuer rotated its keys, the token comes from another issuer or tenant, or the key set is for another environment"))
		c.add("signature", Fail, "not checked: no key")
		return
	}
	if kid := lookup(c.r.HeaderMembers, "kid"); len(kid) > 0 && kid[0] != '"' {
		c.add("key", Fail, "kid is "+string(kid)+", not a string (RFC 7515 4.1.4)", found(string(kid)))
		c.add("signature", Fail, "not checked: the header is malformed")
		return
	}
	var verify func(key any) error
	if input, ok := signingInput(c.r); ok {
		// The signature covers the text as sent, so a padded or otherwise
		// irregular encoding could verify: refused, as strict verifiers
		// do, or anyone could make many versions of one token.
		if w, lax := laxBase64(c.r); lax {
			c.add("key", Pass, describeKey(keys.Keys[cands[0]]))
			c.add("signature", Fail, "not checked: "+w.Message,
				hint("JWS uses base64url without padding and with zero unused bits (RFC 7515 2): the token was re-encoded or altered after signing, or its signer encodes wrongly"))
			return
		}
		verify = func(key any) error { return verifyCompact(alg, key, input, c.r.SignatureBytes) }
	} else {
		obj, err := parseSigned(c.r, alg)
		if err != nil {
			c.add("key", Pass, describeKey(keys.Keys[cands[0]]))
			c.add("signature", Fail, "cannot parse the JWS: "+trimJoseErr(err))
			return
		}
		verify = func(key any) error {
			if _, err := verifyWith(obj, key); err != nil {
				return errSignature
			}
			if strings.HasPrefix(alg, "PS") {
				// go-jose accepts any PSS salt length: check it here.
				input, sig, ok := jsonSigningInput(c.r.Raw)
				pub, isRSA := key.(*rsa.PublicKey)
				if !ok || !isRSA {
					return errors.New("the RSASSA-PSS salt length cannot be checked for this serialization: refused")
				}
				return verifyPSS(pub, shaFor(alg), digestOf(alg, input), sig)
			}
			return nil
		}
	}
	if dup := sameKid(keys, cands); dup != "" {
		c.add("key", Fail, dup, hint("two keys under one kid: a rotation gone wrong, or a key slipped into the set; oidc does not guess which one the issuer meant"))
		c.add("signature", Fail, "not checked: the key is ambiguous")
		return
	}
	var err error
	for _, i := range cands {
		k := keys.Keys[i]
		if err = verify(k.Key); err == nil {
			c.v.Key = &KeyInfo{Kid: k.KeyID, Kty: KeyType(k), Alg: k.Algorithm, Thumbprint: keys.Thumbprint(i), Source: keys.Source}
			if weak := keys.Weak(i); weak != "" {
				c.add("key", Fail, weak, found(describeKey(k)))
			} else {
				c.add("key", Pass, describeKey(k))
			}
			c.add("signature", Pass, fmt.Sprintf("valid %s signature", alg))
			return
		}
		if errors.Is(err, errPSSSalt) {
			break
		}
	}
	k := keys.Keys[cands[0]]
	c.v.Key = &KeyInfo{Kid: k.KeyID, Kty: KeyType(k), Alg: k.Algorithm, Thumbprint: keys.Thumbprint(cands[0]), Source: keys.Source}
	c.add("key", Pass, describeKey(k))
	h := "the token was altered after signing, or signed by another key with the same kid"
	if has(c.r.HeaderMembers, "nonce") && c.r.Guess != nil && c.r.Guess.Vendor == "Entra ID" {
		h = "Entra ID access tokens for Microsoft Graph carry a nonce in the header and only Graph can verify them; ask for a token for your own API (its scope) to verify it"
	} else if r := c.r.Warnings; len(r) > 0 {
		for _, w := range r {
			switch w.Code {
			case "signature_der":
				h = "the ECDSA signature is DER-encoded; JOSE requires raw r||s: the signer used a generic crypto library wrongly"
			case "signature_zero":
				h = "r = s = 0: the CVE-2022-21449 forgery"
			case "no_signature":
				h = "the signature was stripped"
			}
		}
	}
	msg := fmt.Sprintf("%s signature does not verify with %s", alg, describeKey(k))
	if errors.Is(err, errPSSSalt) {
		h = "the signer used a salt of another length than the hash: RFC 7518 3.5 allows only the hash's length"
	}
	if err != nil && err != errSignature && (len(cands) == 1 || errors.Is(err, errPSSSalt)) {
		msg += ": " + trimJoseErr(err)
	}
	c.add("signature", Fail, msg, hint(h))
}

// sameKid reports candidates that share a kid: the token names one key,
// and the set has several that could be it.
func sameKid(keys *KeySet, cands []int) string {
	seen := map[string]int{}
	for _, i := range cands {
		kid := keys.Keys[i].KeyID
		if kid == "" {
			continue
		}
		if j, dup := seen[kid]; dup {
			return fmt.Sprintf("kid %q names several keys that could verify the token (%s and %s): ambiguous, so none is used", kid, describeKey(keys.Keys[j]), describeKey(keys.Keys[i]))
		}
		seen[kid] = i
	}
	return ""
}

// weakKey says why a key that verified the signature is not good enough:
// RSA under 2048 bits (RFC 7518 3.3, 3.5), or a modulus with the ROCA
// fingerprint (CVE-2017-15361), whose private key can be computed.
func weakKey(k jose.JSONWebKey) string {
	pub, ok := k.Key.(*rsa.PublicKey)
	switch {
	case !ok:
		return ""
	case pub.N.BitLen() < 2048:
		return fmt.Sprintf("%s: RSA keys must be 2048 bits or larger (RFC 7518 3.3, 3.5); this one is %d, and can be factored", describeKey(k), pub.N.BitLen())
	case ROCAVulnerable(pub.N):
		return describeKey(k) + ": the modulus has the ROCA fingerprint (CVE-2017-15361): its private key can be computed from it"
	}
	return ""
}

// laxBase64 returns the first warning that a signed part of a compact
// token (or its signature) is not strict base64url.
func laxBase64(r *Result) (Warning, bool) {
	for _, w := range r.Warnings {
		switch w.Code {
		case "base64_padding", "base64_alphabet", "noncanonical_base64":
			switch w.Segment {
			case "header", "payload", "signature":
				return w, true
			}
		}
	}
	return Warning{}, false
}

func describeKey(k jose.JSONWebKey) string {
	s := KeyType(k) + " key"
	if k.KeyID != "" {
		s += " " + k.KeyID
	}
	if bits := RSABits(k); bits > 0 {
		s += fmt.Sprintf(" (%d bits)", bits)
	}
	return s
}

func parseSigned(r *Result, alg string) (*jose.JSONWebSignature, error) {
	algs := []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)}
	if r.Serialization == "compact" {
		return jose.ParseSignedCompact(r.Raw, algs)
	}
	if strings.HasPrefix(r.Serialization, "json") {
		return jose.ParseSignedJSON(r.Raw, algs)
	}
	if r.Serialization == "sd-jwt" {
		i := strings.IndexByte(r.Raw, '~')
		return jose.ParseSignedCompact(r.Raw[:i], algs)
	}
	return nil, errors.New("not a JWS")
}

// verifyWith checks the first signature only: its header is the one every
// other check read. Accepting any signature of several would let an
// attacker's first signature decide typ and crit.
func verifyWith(obj *jose.JSONWebSignature, key any) ([]byte, error) {
	if len(obj.Signatures) > 1 {
		first := *obj
		first.Signatures = obj.Signatures[:1]
		return first.Verify(key)
	}
	return obj.Verify(key)
}

// typ checks the media type against the profile (RFC 8725 3.11: explicit
// typing stops one kind of token being used as another).
func (c *checker) typ() {
	typ, has := stringMember(c.r.HeaderMembers, "typ")
	norm := strings.ToLower(strings.TrimPrefix(strings.ToLower(typ), "application/"))
	switch c.v.Profile {
	case ProfileAccess:
		if norm == "at+jwt" {
			c.add("typ", Pass, "typ "+typ, found(typ))
		} else {
			c.add("typ", Fail, "an RFC 9068 access token must have typ at+jwt", found(typ), expected("at+jwt"), hint(c.accessTypHint(typ, has, norm)))
		}
	case ProfileIntrospection:
		if norm == "token-introspection+jwt" {
			c.add("typ", Pass, "typ "+typ, found(typ))
		} else {
			c.add("typ", Fail, "a JWT introspection response must have typ token-introspection+jwt (RFC 9701 5)", found(typ), expected("token-introspection+jwt"))
		}
	case ProfileLogout:
		switch {
		case norm == "logout+jwt":
			c.add("typ", Pass, "typ "+typ, found(typ))
		case !has || norm == "jwt":
			c.add("typ", Warn, "logout tokens should have typ logout+jwt", found(typ), expected("logout+jwt"))
		default:
			c.add("typ", Fail, "typ "+typ+" is not a logout token's", found(typ), expected("logout+jwt"))
		}
	default:
		switch {
		case !has || norm == "jwt":
			c.add("typ", Pass, "typ "+orDash(typ), found(typ))
		case norm == "at+jwt" || norm == "logout+jwt" || norm == "dpop+jwt":
			c.add("typ", Fail, "typ "+typ+" marks another kind of token, not an ID token", found(typ), expected("JWT or none"),
				hint("an access or logout token presented as an ID token: token confusion"))
		default:
			c.add("typ", Warn, "unusual typ "+typ+" for an ID token", found(typ), expected("JWT or none"))
		}
	}
}

// accessTypHint explains a missing at+jwt by what the token looks like.
// It never advises another profile: checked as an ID token, an access
// token would pass as one.
func (c *checker) accessTypHint(typ string, hasTyp bool, norm string) string {
	// Keycloak's typ claim says Bearer even in access tokens with a nonce.
	keycloak := claimString(c.r.Claims, "typ") == "Bearer"
	switch {
	case hasTyp && norm != "jwt":
		return "typ " + typ + " marks another kind of token: presented as an access token, that is token confusion"
	case len(idTokenMarks(c.r.Claims)) > 0 && !keycloak:
		return strings.Join(idTokenMarks(c.r.Claims), ", ") + " are claims of an ID token: an ID token presented as an access token is token substitution; send the API the access token instead"
	case keycloak || len(present(c.r.Claims, "client_id", "scope", "scp", "cid")) > 0:
		return "it looks like an access token in its issuer's own JWT format (Ory Hydra's JWT strategy and many other issuers make these): " +
			"RFC 9068 requires typ at+jwt, so that an ID token cannot pass as an access token, and an API that follows it refuses this token; " +
			"the other checks still ran; have the issuer issue typ at+jwt if it can"
	}
	return "without typ at+jwt an ID token could be replayed as an access token (RFC 9068 4)"
}

func orDash(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// crit fails any critical extension, since none is understood here, and
// reports whether the token may be verified further.
func (c *checker) crit() bool {
	raw := lookup(c.r.HeaderMembers, "crit")
	if raw == nil {
		return true
	}
	names := stringsMember(c.r.HeaderMembers, "crit")
	if len(names) == 0 {
		c.add("crit", Fail, "crit must be a non-empty list of header parameter names", found(string(raw)))
		return false
	}
	var unknown []string
	for _, n := range names {
		// b64 (RFC 7797, an unencoded payload) is understood: go-jose
		// verifies such tokens; it must be in the header it marks.
		if n != "b64" || !has(c.r.HeaderMembers, "b64") {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) == 0 {
		c.add("crit", Pass, "critical extensions understood: "+strings.Join(names, ", "), found(strings.Join(names, ",")))
		return true
	}
	c.add("crit", Fail, "critical extensions not understood: "+strings.Join(unknown, ", "), found(strings.Join(names, ",")),
		hint("RFC 7515 4.1.11: a recipient that does not understand a critical extension must reject the token"))
	return false
}

func (c *checker) claimsChecks(alg string) {
	cl := c.r.Claims
	if cl == nil {
		c.add("claims", Fail, "the payload is not a JSON object of claims")
		return
	}
	c.iss()
	c.aud()
	if c.v.Profile == ProfileID {
		c.azp()
	}
	c.sub()
	c.times()
	c.nonce()
	if c.v.Profile == ProfileID {
		c.authTime()
		c.acr()
		c.hashClaim("at_hash", c.opts.AccessToken, alg, "access_token", "access token")
		c.hashClaim("c_hash", c.opts.Code, alg, "code", "authorization code")
	}
	c.required()
}

func (c *checker) iss() {
	iss, ok := stringMember(c.r.Claims, "iss")
	want := c.opts.Issuer
	switch {
	case !ok:
		c.add("iss", Fail, "no iss claim", expected(want))
	case want == "":
		c.add("iss", Skip, "no expected issuer", found(iss), hint("the issuer you trust was not given"+FlagNote(c.opts.Flags, "issuer")))
	case iss == want && !c.opts.IssuerPinned:
		// Keys discovered from the token's own iss prove only that the
		// token is intact, not that its issuer is one you trust.
		c.add("iss", Fail, "iss "+iss+" was taken from the token itself, not pinned by you: the signature proves nothing about who issued it", found(iss),
			hint("anyone can run an issuer and name it in their tokens: the issuer you trust was not given"+FlagNote(c.opts.Flags, "issuer")))
	case iss == want:
		c.add("iss", Pass, "iss is "+iss, found(iss))
	case strings.TrimRight(iss, "/") == strings.TrimRight(want, "/"):
		c.add("iss", Fail, "iss differs from the expected issuer by a trailing slash", found(iss), expected(want),
			hint("issuer identifiers are compared character by character (OIDC Core 3.1.3.7): use exactly "+iss+" if that is the issuer"))
	default:
		h := "the token comes from another issuer, tenant or environment"
		if strings.Contains(iss, "sts.windows.net") || strings.Contains(want, "sts.windows.net") {
			h = "Entra ID v1 tokens are issued by https://sts.windows.net/{tenant}/, v2 by https://login.microsoftonline.com/{tenant}/v2.0: the app's accessTokenAcceptedVersion decides which"
		} else if strings.Contains(want, "/common/") || strings.Contains(want, "/organizations/") || strings.Contains(want, "{tenantid}") {
			h = "the /common and /organizations endpoints issue tokens with the tenant's own issuer: compare against https://login.microsoftonline.com/" + claimString(c.r.Claims, "tid") + "/v2.0"
		}
		c.add("iss", Fail, "iss is not the expected issuer", found(iss), expected(want), hint(h))
	}
}

func claimString(cl []Member, name string) string {
	s, _ := stringMember(cl, name)
	if s == "" {
		return "{tenant}"
	}
	return s
}

func (c *checker) audiences() []string {
	if len(c.opts.Audience) > 0 {
		return c.opts.Audience
	}
	if c.opts.ClientID != "" && c.v.Profile != ProfileAccess {
		return []string{c.opts.ClientID}
	}
	return nil
}

func (c *checker) aud() {
	aud := stringsMember(c.r.Claims, "aud")
	want := c.audiences()
	switch {
	case !has(c.r.Claims, "aud"):
		c.add("aud", Fail, "no aud claim", expected(strings.Join(want, " or ")))
	case aud == nil:
		c.add("aud", Fail, "aud is neither a string nor an array of strings", found(string(lookup(c.r.Claims, "aud"))))
	case len(want) == 0:
		h := "the expected audience was not given: your client ID for an ID token" + FlagNote(c.opts.Flags, "client_id") +
			", the API's identifier for an access token" + FlagNote(c.opts.Flags, "audience")
		c.add("aud", Skip, "no expected audience", found(strings.Join(aud, ",")), hint(h))
	default:
		for _, w := range want {
			if slices.Contains(aud, w) {
				c.add("aud", Pass, "aud contains "+w, found(strings.Join(aud, ",")))
				return
			}
		}
		h := "the token was issued for another client or API"
		if c.v.Profile == ProfileAccess {
			h = "an access token for another API: request it for yours (resource or audience parameter, or the API's scope)"
		}
		c.add("aud", Fail, "aud does not contain "+strings.Join(want, " or "), found(strings.Join(aud, ",")), expected(strings.Join(want, " or ")), hint(h))
	}
}

// azp: OIDC Core 3.1.3.7 items 4 and 5.
func (c *checker) azp() {
	azp, hasAzp := stringMember(c.r.Claims, "azp")
	aud := stringsMember(c.r.Claims, "aud")
	client := c.opts.ClientID
	switch {
	case len(aud) > 1 && !hasAzp:
		c.add("azp", Fail, fmt.Sprintf("%d audiences and no azp: the client the token was issued to is not said", len(aud)), found(strings.Join(aud, ",")),
			hint("with several audiences an ID token must carry azp, the client it was issued to"))
	case !hasAzp:
		c.add("azp", Skip, "no azp claim (needed only with several audiences)")
	case client == "":
		c.add("azp", Skip, "azp is "+azp+"; no --client-id to compare it to", found(azp))
	case azp != client:
		c.add("azp", Fail, "azp is not the client id", found(azp), expected(client), hint("the ID token was issued to another client"))
	default:
		c.add("azp", Pass, "azp is the client id", found(azp))
	}
}

func (c *checker) sub() {
	sub, ok := stringMember(c.r.Claims, "sub")
	switch {
	case !has(c.r.Claims, "sub"):
		if c.v.Profile == ProfileLogout || c.v.Profile == ProfileIntrospection {
			return // a logout token's sid or sub: checked with the required claims
		}
		c.add("sub", Fail, "no sub claim")
	case !ok || sub == "":
		c.add("sub", Fail, "sub must be a non-empty string", found(string(lookup(c.r.Claims, "sub"))))
	case c.v.Profile == ProfileID && len(sub) > 255:
		c.add("sub", Fail, fmt.Sprintf("sub is %d characters; OIDC Core limits it to 255 ASCII characters", len(sub)))
	default:
		c.add("sub", Pass, "sub is "+sub, found(sub))
	}
}

func (c *checker) claimTime(name string) (time.Time, bool, bool) {
	raw := lookup(c.r.Claims, name)
	if raw == nil {
		return time.Time{}, false, true
	}
	if _, ok := c.r.Times[name]; !ok {
		c.add(name, Fail, name+" is not a NumericDate", found(string(raw)))
		return time.Time{}, true, false
	}
	f, _ := numberMember(c.r.Claims, name)
	return numericDate(f), true, true
}

// skewHint says how far the clocks are apart when that explains a time
// failure by a small margin.
func (c *checker) skewHint(off time.Duration) string {
	if c.opts.ClockOffset != nil {
		o := *c.opts.ClockOffset
		if o.Abs() >= 2*time.Second {
			dir := "ahead of"
			if o < 0 {
				dir = "behind"
			}
			return fmt.Sprintf("the issuer's clock is %s %s yours (its HTTP Date header): fix the clock, or widen the leeway%s", Ago(o), dir, FlagNote(c.opts.Flags, "leeway"))
		}
		if off.Abs() < 10*time.Minute {
			return "your clock agrees with the issuer's (its HTTP Date header); the token itself is off"
		}
	}
	if off.Abs() < 10*time.Minute {
		return "a small margin: a clock is off somewhere; check yours, or widen the leeway" + FlagNote(c.opts.Flags, "leeway")
	}
	return ""
}

func (c *checker) times() {
	now, leeway := c.opts.Now, c.opts.Leeway
	exp, hasExp, okExp := c.claimTime("exp")
	if okExp {
		switch {
		case !hasExp && (c.v.Profile == ProfileUserinfo || c.v.Profile == ProfileIntrospection):
		case !hasExp:
			c.add("exp", Fail, "no exp claim: the token never expires", hint("ID tokens, RFC 9068 access tokens and logout tokens must have exp"))
		case !now.Before(exp.Add(leeway)):
			c.add("exp", Fail, fmt.Sprintf("expired %s ago (leeway %s)", between(now, exp), Ago(leeway)), found(exp.Format(time.RFC3339)),
				expected("after "+now.Add(-leeway).Format(time.RFC3339)), hint(c.skewHint(now.Sub(exp))))
		default:
			c.add("exp", Pass, "expires in "+between(exp, now), found(exp.Format(time.RFC3339)))
		}
	}
	if nbf, hasNbf, ok := c.claimTime("nbf"); ok && hasNbf {
		if nbf.After(now.Add(leeway)) {
			c.add("nbf", Fail, fmt.Sprintf("not valid for another %s (leeway %s)", between(nbf, now), Ago(leeway)), found(nbf.Format(time.RFC3339)), hint(c.skewHint(nbf.Sub(now))))
		} else {
			c.add("nbf", Pass, "valid since "+between(now, nbf)+" ago", found(nbf.Format(time.RFC3339)))
		}
	}
	iat, hasIat, okIat := c.claimTime("iat")
	if okIat {
		switch {
		case !hasIat && c.v.Profile == ProfileUserinfo:
		case !hasIat:
			c.add("iat", Fail, "no iat claim")
		case iat.After(now.Add(leeway)):
			c.add("iat", Fail, fmt.Sprintf("issued %s in the future (leeway %s)", between(iat, now), Ago(leeway)), found(iat.Format(time.RFC3339)), hint(c.skewHint(iat.Sub(now))))
		default:
			c.add("iat", Pass, "issued "+between(now, iat)+" ago", found(iat.Format(time.RFC3339)))
		}
	}
}

func (c *checker) nonce() {
	nonce, has := stringMember(c.r.Claims, "nonce")
	want := c.opts.Nonce
	switch {
	case c.v.Profile == ProfileLogout:
		if has || lookup(c.r.Claims, "nonce") != nil {
			c.add("nonce", Fail, "a logout token must not contain a nonce", found(nonce),
				hint("a nonce marks an ID token: this may be an ID token replayed as a logout token (Back-Channel Logout 2.4)"))
		}
	case c.v.Profile == ProfileAccess, c.v.Profile == ProfileUserinfo, c.v.Profile == ProfileIntrospection:
	case want == "" && has:
		c.add("nonce", Skip, "nonce "+nonce+" not compared", found(nonce), hint("the nonce sent in the authorization request was not given"+FlagNote(c.opts.Flags, "nonce")))
	case want == "":
		c.add("nonce", Skip, "no nonce claim and none expected")
	case !has:
		c.add("nonce", Fail, "no nonce claim, but one was sent", expected(want), hint("the issuer dropped the nonce: replays cannot be detected"))
	case subtle.ConstantTimeCompare([]byte(nonce), []byte(want)) != 1:
		c.add("nonce", Fail, "nonce differs from the one sent", found(nonce), expected(want),
			hint("a token from another login (a replay), or the nonce of another request"))
	default:
		c.add("nonce", Pass, "nonce matches", found(nonce))
	}
}

func (c *checker) authTime() {
	at, has, ok := c.claimTime("auth_time")
	if !ok {
		return
	}
	if c.opts.MaxAge == nil {
		if has {
			c.add("auth_time", Skip, "authenticated "+Ago(c.opts.Now.Sub(at))+" ago; no --max-age to compare", found(at.Format(time.RFC3339)))
		}
		return
	}
	maxAge := *c.opts.MaxAge
	switch age := c.opts.Now.Sub(at); {
	case !has:
		c.add("auth_time", Fail, "no auth_time claim, required when max_age is requested", expected("auth_time"))
	case age > maxAge+c.opts.Leeway:
		c.add("auth_time", Fail, fmt.Sprintf("authenticated %s ago, more than --max-age %s", Ago(age), maxAge), found(at.Format(time.RFC3339)),
			hint("the issuer reused an old session instead of asking the user to log in again"))
	default:
		c.add("auth_time", Pass, fmt.Sprintf("authenticated %s ago, within --max-age %s", Ago(age), maxAge), found(at.Format(time.RFC3339)))
	}
}

func (c *checker) acr() {
	acr, has := stringMember(c.r.Claims, "acr")
	switch {
	case len(c.opts.ACR) == 0:
		if has {
			c.add("acr", Skip, "acr "+acr+"; no --acr to compare", found(acr))
		}
	case !has:
		c.add("acr", Fail, "no acr claim", expected(strings.Join(c.opts.ACR, " or ")))
	case !slices.Contains(c.opts.ACR, acr):
		c.add("acr", Fail, "acr is not one of those requested", found(acr), expected(strings.Join(c.opts.ACR, " or ")),
			hint("the user logged in with a weaker method than you asked for"))
	default:
		c.add("acr", Pass, "acr is "+acr, found(acr))
	}
}

// HalfHash computes an OIDC at_hash or c_hash: the left half of the hash
// of value, with the hash of the JWS algorithm (SHA-512 for EdDSA over
// Ed25519).
func HalfHash(alg, value string) (string, bool) {
	var h hash.Hash
	switch alg {
	case "RS256", "PS256", "ES256", "HS256", "ES256K":
		h = sha256.New()
	case "RS384", "PS384", "ES384", "HS384":
		h = sha512.New384()
	case "RS512", "PS512", "ES512", "HS512", "EdDSA", "Ed25519":
		h = sha512.New()
	default:
		return "", false
	}
	h.Write([]byte(value))
	sum := h.Sum(nil)
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]), true
}

// hashClaim checks at_hash or c_hash against the value given as input,
// which is what in words.
func (c *checker) hashClaim(name, value, alg, input, what string) {
	got, has := stringMember(c.r.Claims, name)
	switch {
	case value == "" && has:
		c.add(name, Skip, name+" not compared", found(got), hint("the "+what+" issued with this ID token was not given"+FlagNote(c.opts.Flags, input)))
	case value == "":
	case !has:
		c.add(name, Skip, "no "+name+" claim (optional in the code flow)")
	default:
		want, ok := HalfHash(alg, value)
		switch {
		case !ok:
			c.add(name, Fail, "cannot compute "+name+" for alg "+alg)
		case subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1:
			c.add(name, Fail, name+" does not match the given value", found(got), expected(want),
				hint("the ID token was issued with another "+what+": mixed up tokens, or a substituted one"))
		default:
			c.add(name, Pass, name+" matches", found(got))
		}
	}
}

// required checks the claims each profile must have beyond the ones with
// checks of their own.
func (c *checker) required() {
	var need []string
	switch c.v.Profile {
	case ProfileIntrospection:
		need = []string{"token_introspection"} // RFC 9701 5
	case ProfileAccess:
		need = []string{"client_id", "jti"} // RFC 9068 2.2 (iss, exp, aud, sub, iat checked above)
	case ProfileLogout:
		need = []string{"jti", "events"} // Back-Channel Logout 2.4
		if !has(c.r.Claims, "sid") && !has(c.r.Claims, "sub") {
			c.add("sid", Fail, "a logout token must contain sid, sub, or both")
		}
		if ev := lookup(c.r.Claims, "events"); ev != nil {
			// Back-Channel Logout 2.4: a JSON object with the event as a
			// member whose value is a JSON object.
			members, err := ObjectMembers(ev)
			val := lookup(members, backchannelLogoutEvent)
			if err != nil || len(val) == 0 || val[0] != '{' {
				c.add("events", Fail, "events must be an object with the back-channel logout event as a member whose value is an object", found(string(ev)), expected(`{"`+backchannelLogoutEvent+`":{}}`))
			}
		}
	}
	var missing []string
	for _, n := range need {
		if !has(c.r.Claims, n) {
			missing = append(missing, n)
		}
	}
	switch {
	case len(missing) > 0:
		c.add("claims", Fail, "missing required claims: "+strings.Join(missing, ", "), expected(strings.Join(need, ", ")))
	case len(need) > 0:
		c.add("claims", Pass, "has "+strings.Join(need, ", "))
	}
}
