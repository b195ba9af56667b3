package decode

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// LongLifetime is the token lifetime above which a token is reported: a
// stolen bearer token stays useful for as long as it lives.
const LongLifetime = 24 * time.Hour

// clockSkew is how far in the future iat may be before it is reported.
const clockSkew = 60 * time.Second

// analyze adds the readable times, the warnings and the guess to a decoded
// token. It works on whatever part was decoded.
func analyze(r *Result, now time.Time) {
	if r.Kind == KindInvalid {
		return
	}
	if len(r.Raw) > LargeToken {
		r.warn("large_token", "the token is %d bytes: many servers and proxies reject request headers over 8 KiB", len(r.Raw))
	}
	headerWarnings(r)
	r.Guess = guess(r)
	if r.Claims != nil {
		claimWarnings(r, now)
	}
}

func headerWarnings(r *Result) {
	h := r.HeaderMembers
	if h == nil {
		return
	}
	alg, hasAlg := stringMember(h, "alg")
	switch {
	case !hasAlg:
		r.warn("no_alg", "the header has no alg: every JWS and JWE must name its algorithm")
	case strings.EqualFold(alg, "none"):
		r.warn("alg_none", "alg is %q: the token is not signed, anyone can make one like it; never accept it", alg)
	case alg == "RSA1_5":
		r.warn("weak_alg", "alg RSA1_5 is deprecated: RSAES-PKCS1-v1_5 key encryption is open to padding oracle attacks (RFC 8725 3.2)")
	}
	if hasAlg && r.Kind == KindJWS {
		if _, known := algorithms()[alg]; !known {
			r.warn("unknown_alg", "alg %q is not a registered JWS algorithm", alg)
		}
	}
	if has(h, "jwk") {
		r.warn("embedded_jwk", "the header embeds its own key (jwk): a token that brings its own key proves nothing unless that key is already trusted")
	}
	if u, ok := stringMember(h, "jku"); ok {
		r.warn("jku", "the header points at a key set URL (jku %s): fetching keys from the token lets its author choose them", u)
	}
	if u, ok := stringMember(h, "x5u"); ok {
		r.warn("x5u", "the header points at a certificate URL (x5u %s): fetching it lets the token's author choose the key", u)
	}
	if has(h, "x5c") {
		r.warn("x5c", "the header embeds a certificate chain (x5c): trust it only if it chains to your own roots")
	}
	if crit := stringsMember(h, "crit"); len(crit) > 0 {
		r.warn("crit", "critical header parameters %s: a verifier that does not understand them must reject the token", strings.Join(crit, ", "))
	} else if has(h, "crit") {
		r.warn("crit", "crit is present but not a list of names: the token is malformed")
	}
	if r.Kind == KindJWS && !has(h, "kid") {
		r.warn("no_kid", "no kid in the header: a verifier must try every key of the issuer, and key rotation is harder to follow")
	}
	if r.Kind == KindJWS && has(h, "nonce") {
		r.warn("header_nonce", "a nonce in the header: Entra ID puts one in Microsoft Graph access tokens, which only Graph can verify; request a token for your own API to verify it yourself")
	}
	if r.Signature != nil {
		signatureWarnings(r, alg)
	}
}

// signatureSizes are the exact signature lengths of fixed-size algorithms.
var signatureSizes = map[string]int{
	"HS256": 32, "HS384": 48, "HS512": 64,
	"ES256": 64, "ES384": 96, "ES512": 132, "ES256K": 64,
	"EdDSA": 64, "Ed25519": 64,
}

func signatureWarnings(r *Result, alg string) {
	sig := *r.Signature
	none := strings.EqualFold(alg, "none")
	switch {
	case sig == "" && !none && r.Kind == KindJWS:
		r.warn("no_signature", "alg is %s but the signature is empty: it was stripped, the token cannot verify", alg)
		return
	case sig != "" && none:
		r.warn("alg_none", "alg is none but a signature is present: someone changed the header of a signed token")
		return
	}
	raw := r.SignatureBytes
	if raw == nil {
		return // reported by the segment decoder
	}
	want, fixed := signatureSizes[alg]
	switch {
	case fixed && len(raw) != want && strings.HasPrefix(alg, "ES") && len(raw) > 6 && raw[0] == 0x30:
		r.warn("signature_der", "the %s signature is DER-encoded (%d bytes): JOSE requires the raw r||s form of %d bytes (RFC 7518 3.4), so it will not verify", alg, len(raw), want)
	case fixed && len(raw) != want:
		r.warn("signature_length", "the %s signature is %d bytes, expected %d: truncated or made for another algorithm", alg, len(raw), want)
	case strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS"):
		if len(raw) < 64 {
			r.warn("signature_length", "the %s signature is %d bytes: too short for any RSA key, so it was truncated or made for another algorithm", alg, len(raw))
		} else if len(raw) < 256 {
			r.warn("signature_length", "the %s signature is %d bytes, so the RSA key is at most %d bits: keys under 2048 bits are too weak", alg, len(raw), len(raw)*8)
		}
	}
	if fixed && strings.HasPrefix(alg, "ES") && len(raw) == want && allZero(raw[:want/2]) && allZero(raw[want/2:]) {
		r.warn("signature_zero", "the ECDSA signature is all zeros (r = s = 0): the CVE-2022-21449 forgery; it must never verify")
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func claimWarnings(r *Result, now time.Time) {
	c := r.Claims
	var exp, iat, nbf time.Time
	var hasExp, hasIat, hasNbf bool
	for _, m := range c {
		if !IsNumericDate(m.Name) {
			continue
		}
		f, isNum := numberMember(c, m.Name)
		if !isNum || f < 0 || f > maxNumericDate {
			r.warn("bad_numeric_date", "%s is %s: a NumericDate must be a number of seconds since 1970, before the year 10000", m.Name, string(m.Value))
			continue
		}
		t := numericDate(f)
		switch m.Name {
		case "exp":
			exp, hasExp = t, true
		case "iat":
			iat, hasIat = t, true
		case "nbf":
			nbf, hasNbf = t, true
		}
		if r.Times == nil {
			r.Times = map[string]Time{}
		}
		r.Times[m.Name] = Time{Time: t.Format(time.RFC3339), FromNow: secondsBetween(t, now)}
	}
	typ := ""
	if r.Guess != nil {
		typ = r.Guess.Type
	}
	// DPoP proofs and client assertions are checked by iat and jti instead.
	if !has(c, "exp") && typ != "dpop_proof" && typ != "jwt_request" {
		r.warn("no_exp", "no exp claim: the token never expires")
	}
	if hasExp && !exp.After(now) {
		r.warn("expired", "expired %s ago, at %s", between(exp, now), exp.Format(time.RFC3339))
	}
	if hasNbf && nbf.After(now) {
		r.warn("not_yet_valid", "not valid before %s, %s from now", nbf.Format(time.RFC3339), between(nbf, now))
	}
	if hasIat && iat.After(now.Add(clockSkew)) {
		r.warn("iat_future", "issued in the future (iat is %s from now): the issuer's clock or yours is wrong", between(iat, now))
	}
	start, hasStart := iat, hasIat
	if hasNbf && (!hasStart || nbf.After(start)) {
		start, hasStart = nbf, true
	}
	if hasExp && hasStart {
		switch {
		case exp.Unix()-start.Unix() > int64(LongLifetime/time.Second):
			r.warn("long_lifetime", "lifetime is %s (exp - iat): over 24h, a stolen token stays useful for that long", between(exp, start))
		case exp.Before(start):
			r.warn("exp_before_iat", "exp is %s before iat: the token was never valid", between(exp, start))
		}
	}
}

// maxNumericDate is 9999-12-31T23:59:59Z: later dates have no RFC 3339 form.
const maxNumericDate = 253402300799

// between is the time between a and b for people, without the 292-year
// limit of time.Duration.
func between(a, b time.Time) string { return agoSeconds(secondsBetween(a, b)) }

// secondsBetween is a - b in whole seconds, rounded as Ago rounds (half
// away from zero). Every time oidc prints is counted by it: a claim's
// from_now (what decode shows beside it) and the checks' and warnings'
// words, so that they never differ by the second that truncating a
// fractional now would take from one of them.
func secondsBetween(a, b time.Time) int64 {
	return int64(math.Round(float64(a.Unix()-b.Unix()) + float64(a.Nanosecond()-b.Nanosecond())/1e9))
}

func numericDate(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// Ago formats a duration for people: 42s, 4m12s, 2h5m, 3d4h, 2y. It is
// the one way oidc prints a duration (between and Relative use it too).
func Ago(d time.Duration) string { return agoSeconds(int64(d.Round(time.Second) / time.Second)) }

func agoSeconds(s int64) string {
	if s < 0 {
		s = -s
	}
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return trimZero(fmt.Sprintf("%dm%ds", s/60, s%60))
	case s < 86400:
		return trimZero(fmt.Sprintf("%dh%dm", s/3600, s%3600/60))
	case s < 365*86400:
		return trimZero(fmt.Sprintf("%dd%dh", s/86400, s%86400/3600))
	default:
		return trimZero(fmt.Sprintf("%dy%dd", s/(365*86400), s%(365*86400)/86400))
	}
}

// trimZero drops a zero second unit: "4m0s" reads better as "4m".
func trimZero(s string) string {
	for _, unit := range []string{"0s", "0m", "0h", "0d"} {
		if strings.HasSuffix(s, unit) && len(s) > len(unit) && (s[len(s)-len(unit)-1] < '0' || s[len(s)-len(unit)-1] > '9') {
			return s[:len(s)-len(unit)]
		}
	}
	return s
}

// Relative says when a time claim falls relative to now, in words that fit
// the claim: "expires in 4m12s", "expired 2h ago", "issued 5m ago".
func Relative(claim string, fromNow int64) string {
	d := fromNow
	future := fromNow > 0
	switch claim {
	case "exp":
		if future {
			return "expires in " + agoSeconds(d)
		}
		return "expired " + agoSeconds(d) + " ago"
	case "nbf":
		if future {
			return "not valid for " + agoSeconds(d)
		}
		return "valid since " + agoSeconds(d) + " ago"
	case "iat":
		if future {
			return "issued in the future, " + agoSeconds(d) + " from now"
		}
		return "issued " + agoSeconds(d) + " ago"
	case "auth_time":
		if future {
			return "authenticated in the future, " + agoSeconds(d) + " from now"
		}
		return "authenticated " + agoSeconds(d) + " ago"
	}
	if future {
		return "in " + agoSeconds(d)
	}
	return agoSeconds(d) + " ago"
}
