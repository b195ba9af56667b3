package decode

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"maps"
	"math/big"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

func ids(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

func cleanMetadata(iss string) map[string]any {
	return map[string]any{
		"issuer": iss, "authorization_endpoint": iss + "/authorize", "token_endpoint": iss + "/token", "userinfo_endpoint": iss + "/userinfo",
		"jwks_uri": iss + "/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
		"scopes_supported": []string{"openid", "email"}, "authorization_response_iss_parameter_supported": true,
	}
}

func lintOf(t *testing.T, md map[string]any, issuer string) []Finding {
	t.Helper()
	raw, err := json.Marshal(md)
	if err != nil {
		t.Fatal(err)
	}
	return LintMetadata(raw, MetadataLint{Issuer: issuer, WellKnown: WellKnownOpenID})
}

func TestLintMetadataClean(t *testing.T) {
	if fs := lintOf(t, cleanMetadata("https://login.example.com"), "https://login.example.com"); len(fs) != 0 {
		t.Fatalf("findings on clean metadata: %+v", fs)
	}
}

// Each break is found, by its stable id, and only it.
func TestLintMetadataFindings(t *testing.T) {
	const iss = "https://login.example.com"
	for _, tc := range []struct {
		name   string
		change func(md map[string]any)
		given  string
		want   string
		msg    string
	}{
		{"trailing slash", func(md map[string]any) { md["issuer"] = iss + "/" }, iss, "issuer_mismatch", "trailing slash"},
		{"port", func(md map[string]any) { md["issuer"] = "https://login.example.com:8443" }, iss, "issuer_mismatch", "the port differs"},
		{"scheme", func(md map[string]any) { md["issuer"] = "http://login.example.com" }, iss, "issuer_mismatch", "X-Forwarded-Proto"},
		{"entra v1.0 issuer", func(md map[string]any) { md["issuer"] = "https://sts.windows.net/tid/" }, "https://login.microsoftonline.com/tid", "issuer_mismatch", "v1.0 endpoints"},
		{"keycloak auth prefix", func(md map[string]any) { md["issuer"] = "https://kc.example.com/realms/dev" }, "https://kc.example.com/auth/realms/dev", "issuer_mismatch", "/auth prefix"},
		{"host case", func(md map[string]any) { md["issuer"] = "https://Login.Example.com" }, iss, "issuer_mismatch", "the host differs only in case (Login.Example.com and login.example.com): the same server"},
		{"host case and path", func(md map[string]any) { md["issuer"] = "https://LOGIN.example.com/v2" }, iss, "issuer_mismatch", "differs only in case (LOGIN.example.com and login.example.com): the same server, since host names are case-insensitive, but the issuer comparison is exact; the path differs too"},
		{"path case", func(md map[string]any) { md["issuer"] = iss + "/Tenant" }, iss + "/tenant", "issuer_mismatch", "they differ only in case"},
		{"another host", func(md map[string]any) { md["issuer"] = "https://auth.example.com" }, iss, "issuer_mismatch", "the host differs: the issuer publishes another name"},
		{"port and host case", func(md map[string]any) { md["issuer"] = "https://LOGIN.example.com:8443" }, iss, "issuer_mismatch", "the port differs"},
		{"no issuer", func(md map[string]any) { delete(md, "issuer") }, iss, "issuer_missing", ""},
		{"http endpoint", func(md map[string]any) { md["token_endpoint"] = "http://login.example.com/token" }, iss, "endpoint_not_https", "token_endpoint"},
		{"relative endpoint", func(md map[string]any) { md["jwks_uri"] = "/jwks" }, iss, "endpoint_invalid", ""},
		{"no jwks_uri", func(md map[string]any) { delete(md, "jwks_uri") }, iss, "required_missing", "jwks_uri"},
		{"no pkce member", func(md map[string]any) { delete(md, "code_challenge_methods_supported") }, iss, "pkce_not_advertised", "OAuth 2.1"},
		{"plain only", func(md map[string]any) { md["code_challenge_methods_supported"] = []string{"plain"} }, iss, "pkce_s256_missing", ""},
		{"implicit", func(md map[string]any) { md["grant_types_supported"] = []string{"authorization_code", "implicit"} }, iss, "grant_implicit", ""},
		{"password", func(md map[string]any) { md["grant_types_supported"] = []string{"password"} }, iss, "grant_password", ""},
		{"token response type", func(md map[string]any) { md["response_types_supported"] = []string{"code", "id_token token"} }, iss, "response_type_token", ""},
		{"alg none", func(md map[string]any) { md["id_token_signing_alg_values_supported"] = []string{"RS256", "none"} }, iss, "id_token_alg_none", ""},
		{"hmac", func(md map[string]any) { md["id_token_signing_alg_values_supported"] = []string{"RS256", "HS256"} }, iss, "id_token_alg_hmac", ""},
		{"no RFC 9207", func(md map[string]any) { delete(md, "authorization_response_iss_parameter_supported") }, iss, "iss_parameter_unsupported", ""},
		{"wrong type", func(md map[string]any) { md["scopes_supported"] = "openid email" }, iss, "member_type", "scopes_supported"},
		{"mtls alias http", func(md map[string]any) {
			md["mtls_endpoint_aliases"] = map[string]string{"token_endpoint": "http://mtls.example.com/token"}
		}, iss, "endpoint_not_https", "mtls_endpoint_aliases.token_endpoint"},
		{"par required without endpoint", func(md map[string]any) { md["require_pushed_authorization_requests"] = true }, iss, "par_required_no_endpoint", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md := cleanMetadata(iss)
			tc.change(md)
			fs := lintOf(t, md, tc.given)
			got := ids(fs)
			if tc.name == "scheme" && len(got) == 2 && got[1] == "endpoint_not_https" {
				got = got[:1] // an http issuer is not https either
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("findings %v, want only %s: %+v", got, tc.want, fs)
			}
			if f := fs[0]; !strings.Contains(f.Message+f.Member, tc.msg) || f.Clause == "" || f.Fix == "" || f.Severity == "" {
				t.Fatalf("finding %+v: want %q in it, a clause, a fix and a severity", f, tc.msg)
			}
		})
	}
}

// TestLintOAuthRequiredMembers: an RFC 8414 document is held to RFC 8414
// 2's required members (issuer, authorization_endpoint, token_endpoint,
// response_types_supported), not OIDC Discovery's (jwks_uri and the
// rest are optional there), and not asked for a userinfo_endpoint.
func TestLintOAuthRequiredMembers(t *testing.T) {
	const iss = "https://as.example.com"
	oauth := func(md map[string]any) []Finding {
		raw, _ := json.Marshal(md)
		return LintMetadata(raw, MetadataLint{Issuer: iss, WellKnown: WellKnownOAuth})
	}
	md := map[string]any{"issuer": iss, "authorization_endpoint": iss + "/authorize", "token_endpoint": iss + "/token",
		"response_types_supported": []string{"code"}, "code_challenge_methods_supported": []string{"S256"},
		"authorization_response_iss_parameter_supported": true}
	if fs := oauth(md); len(fs) != 0 {
		t.Fatalf("findings on minimal RFC 8414 metadata: %+v", fs)
	}
	for _, name := range []string{"authorization_endpoint", "token_endpoint", "response_types_supported"} {
		t.Run(name, func(t *testing.T) {
			m := maps.Clone(md)
			delete(m, name)
			fs := oauth(m)
			if len(fs) != 1 || fs[0].ID != "required_missing" || fs[0].Member != name || fs[0].Clause != "RFC 8414 2" || fs[0].Severity != SeverityError {
				t.Fatalf("without %s: %+v", name, fs)
			}
		})
	}
	m := maps.Clone(md)
	delete(m, "issuer")
	if fs := oauth(m); len(fs) != 1 || fs[0].ID != "issuer_missing" || !strings.Contains(fs[0].Clause, "RFC 8414 2") {
		t.Fatalf("without issuer: %+v", fs)
	}
}

// Loopback issuers may be plain http (oidc serve, tests).
func TestLintMetadataLoopbackHTTP(t *testing.T) {
	if fs := lintOf(t, cleanMetadata("http://127.0.0.1:9400"), "http://127.0.0.1:9400"); len(fs) != 0 {
		t.Fatalf("findings: %+v", fs)
	}
}

func TestLintMetadataEntraCommon(t *testing.T) {
	md := cleanMetadata("https://login.microsoftonline.com/{tenantid}/v2.0")
	delete(md, "code_challenge_methods_supported")
	fs := lintOf(t, md, "https://login.microsoftonline.com/common/v2.0")
	got := ids(fs)
	if !slices.Contains(got, "entra_tenant_placeholder") || slices.Contains(got, "issuer_mismatch") || !slices.Contains(got, "pkce_not_advertised") {
		t.Fatalf("findings %v", got)
	}
	for _, f := range fs {
		if f.ID == "pkce_not_advertised" && !strings.Contains(f.Message, "Microsoft Entra ID supports S256 but does not advertise it") {
			t.Fatalf("no vendor note: %s", f.Message)
		}
	}
}

func TestVendor(t *testing.T) {
	for url, want := range map[string]string{
		"https://login.microsoftonline.com/common/v2.0":                        "Microsoft Entra ID",
		"https://sts.windows.net/tid/":                                         "Microsoft Entra ID",
		"https://accounts.google.com":                                          "Google",
		"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example":        "Amazon Cognito",
		"https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example": "Amazon Cognito",
		"https://example.okta.com/oauth2/default":                              "Okta",
		"https://example.us.auth0.com/":                                        "Auth0",
		"https://sso.example.com/realms/demo":                                  "Keycloak",
		"https://auth.example.com":                                             "",
	} {
		if got := Vendor(url); got != want {
			t.Errorf("Vendor(%s) = %q, want %q", url, got, want)
		}
	}
}

func jwks(t *testing.T, keys ...any) []byte {
	t.Helper()
	data, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func publicJWK(t *testing.T, key any, kid, alg string) map[string]any {
	t.Helper()
	data, err := json.Marshal(jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: alg, Use: "sig"})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// jwksCase is a key set and a finding it must have.
type jwksCase struct {
	name string
	set  []byte
	want string
}

// keyCases are key sets with one thing wrong with a key or the set.
func keyCases(t *testing.T) []jwksCase {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	private := publicJWK(t, rsaKey, "r1", "RS256") // the private key, as a mistake publishes it
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	noAlg := publicJWK(t, &ecKey.PublicKey, "e2", "")
	delete(noAlg, "use")
	conflict := publicJWK(t, &ecKey.PublicKey, "e3", "ES256")
	conflict["key_ops"] = []string{"encrypt"}
	noKid := publicJWK(t, &ecKey.PublicKey, "", "ES256")
	return []jwksCase{
		{"private key", jwks(t, private), "private_key_published"},
		{"symmetric", jwks(t, map[string]any{"kty": "oct", "kid": "h", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", "alg": "HS256"}), "symmetric_key_published"},
		{"duplicate kid", jwks(t, publicJWK(t, &rsaKey.PublicKey, "same", "RS256"), publicJWK(t, &ecKey.PublicKey, "same", "ES256")), "duplicate_kid"},
		{"no kid among several", jwks(t, publicJWK(t, &rsaKey.PublicKey, "r1", "RS256"), noKid), "kid_missing"},
		{"no alg, no use", jwks(t, noAlg), "no_alg_no_use"},
		{"weak RSA", jwks(t, publicJWK(t, &weak.PublicKey, "w", "RS256")), "rsa_too_small"},
		{"alg of another kty", jwks(t, publicJWK(t, &ecKey.PublicKey, "e", "RS256")), "alg_kty_mismatch"},
		{"use and key_ops", jwks(t, conflict), "use_key_ops_conflict"},
		{"empty", []byte(`{"keys":[]}`), "jwks_empty"},
		{"not a set", []byte(`{"kty":"RSA"}`), "jwks_not_json"},
		{"a key not an object", []byte(`{"keys":["RSA"]}`), "key_invalid"},
		{"off curve", jwks(t, map[string]any{"kty": "EC", "crv": "P-256", "kid": "bad", "alg": "ES256", "use": "sig",
			"x": base64.RawURLEncoding.EncodeToString(make([]byte, 32)), "y": base64.RawURLEncoding.EncodeToString(append(make([]byte, 31), 1))}), "key_invalid"},
	}
}

func TestLintJWKS(t *testing.T) {
	now := time.Now()
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	clean := jwks(t, publicJWK(t, &rsaKey.PublicKey, "r1", "RS256"), publicJWK(t, &ecKey.PublicKey, "e1", "ES256"))
	if l := LintJWKS(clean, now); len(l.Findings) != 0 || len(l.Keys) != 2 || l.Keys[0].Bits != 2048 || l.Keys[1].Curve != "P-256" || l.Keys[0].Thumbprint == "" {
		t.Fatalf("clean set: %+v", l)
	}
	for _, tc := range keyCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			l := LintJWKS(tc.set, now)
			if !slices.Contains(ids(l.Findings), tc.want) {
				t.Fatalf("findings %v, want %s: %+v", ids(l.Findings), tc.want, l.Findings)
			}
		})
	}
}

func selfSigned(t *testing.T, key *ecdsa.PrivateKey, from, to time.Time) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "signing"}, NotBefore: from, NotAfter: to}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// certKey is a key with its certificate in x5c, and x5t and x5t#S256
// when not empty.
func certKey(t *testing.T, key *ecdsa.PrivateKey, x5c []string, x5t, x5tS256 string) []byte {
	k := publicJWK(t, &key.PublicKey, "c", "ES256")
	k["x5c"] = x5c
	if x5t != "" {
		k["x5t"] = x5t
	}
	if x5tS256 != "" {
		k["x5t#S256"] = x5tS256
	}
	return jwks(t, k)
}

// certCases are keys whose x5c or thumbprints are wrong.
func certCases(t *testing.T, now time.Time) []jwksCase {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b64 := base64.StdEncoding.EncodeToString
	good := selfSigned(t, key, now.Add(-time.Hour), now.Add(time.Hour))
	s1 := sha1.Sum(other.X.Bytes()) // a SHA-1 thumbprint, of something else
	return []jwksCase{
		{"expired", certKey(t, key, []string{b64(selfSigned(t, key, now.Add(-48*time.Hour), now.Add(-24*time.Hour)))}, "", ""), "cert_expired"},
		{"not yet valid", certKey(t, key, []string{b64(selfSigned(t, key, now.Add(24*time.Hour), now.Add(48*time.Hour)))}, "", ""), "cert_not_yet_valid"},
		{"x5t#S256 wrong", certKey(t, key, []string{b64(good)}, "", "AAAA"), "x5t_mismatch"},
		{"x5t (SHA-1) wrong", certKey(t, key, []string{b64(good)}, base64.RawURLEncoding.EncodeToString(s1[:]), ""), "x5t_mismatch"},
		{"another key's certificate", certKey(t, key, []string{b64(selfSigned(t, other, now.Add(-time.Hour), now.Add(time.Hour)))}, "", ""), "cert_key_mismatch"},
		{"not a certificate", certKey(t, key, []string{b64([]byte("not DER"))}, "", ""), "cert_invalid"},
	}
}

func TestLintJWKSCertificates(t *testing.T) {
	now := time.Now()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good := selfSigned(t, key, now.Add(-time.Hour), now.Add(time.Hour))
	s1, s256 := sha1.Sum(good), sha256.Sum256(good)
	thumb := base64.RawURLEncoding.EncodeToString
	l := LintJWKS(certKey(t, key, []string{base64.StdEncoding.EncodeToString(good)}, thumb(s1[:]), thumb(s256[:])), now)
	if c := l.Keys[0].Cert; len(l.Findings) != 0 || c == nil || c.X5tMatch == nil || !*c.X5tMatch || c.X5tS256Match == nil || !*c.X5tS256Match {
		t.Fatalf("good certificate: %+v %+v", l.Findings, l.Keys[0].Cert)
	}
	// A wrong SHA-1 x5t beside a right x5t#S256: each said for itself.
	l = LintJWKS(certKey(t, key, []string{base64.StdEncoding.EncodeToString(good)}, thumb(s256[:20]), thumb(s256[:])), now)
	if c := l.Keys[0].Cert; c == nil || c.X5tMatch == nil || *c.X5tMatch || c.X5tS256Match == nil || !*c.X5tS256Match ||
		len(l.Findings) != 1 || l.Findings[0].ID != "x5t_mismatch" || !strings.HasPrefix(l.Findings[0].Message, "x5t is not") {
		t.Fatalf("stale x5t: %+v %+v", l.Findings, l.Keys[0].Cert)
	}
	for _, tc := range certCases(t, now) {
		t.Run(tc.name, func(t *testing.T) {
			if got := ids(LintJWKS(tc.set, now).Findings); !slices.Contains(got, tc.want) {
				t.Fatalf("findings %v, want %s", got, tc.want)
			}
		})
	}
}

// TestLintJWKSFindingsExplained: every finding LintJWKS can make, each
// id in jwkslint.go made at least once here, names its clause and a fix.
func TestLintJWKSFindingsExplained(t *testing.T) {
	now := time.Now()
	cases := append(keyCases(t), certCases(t, now)...)
	cases = append(cases, jwksCase{"roca", jwks(t, publicJWK(t, &rsa.PublicKey{N: rocaModulus(), E: 65537}, "roca", "RS256")), "roca"})
	src, err := os.ReadFile("jwkslint.go")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, m := range regexp.MustCompile(`\{ID: "(\w+)"`).FindAllStringSubmatch(string(src), -1) {
		want[m[1]] = true
	}
	if len(want) < 15 {
		t.Fatalf("only %d finding ids found in jwkslint.go: has the source changed shape?", len(want))
	}
	for _, tc := range cases {
		for _, f := range LintJWKS(tc.set, now).Findings {
			delete(want, f.ID)
			if strings.TrimSpace(f.Clause) == "" || strings.TrimSpace(f.Fix) == "" {
				t.Errorf("%s: finding %s has clause %q, fix %q", tc.name, f.ID, f.Clause, f.Fix)
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("no case here makes %v: add one", slices.Sorted(maps.Keys(want)))
	}
}

// rocaModulus is a product of two primes of the ROCA form
// (65537^a mod M + k*M).
func rocaModulus() *big.Int {
	m := big.NewInt(1)
	for _, p := range rocaPrimes {
		m.Mul(m, big.NewInt(p))
	}
	rocaPrime := func() *big.Int {
		for {
			a, _ := rand.Int(rand.Reader, big.NewInt(1<<20))
			k, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 512-uint(m.BitLen())))
			p := new(big.Int).Exp(big.NewInt(65537), a, m)
			p.Add(p, k.Mul(k, m))
			if p.ProbablyPrime(20) {
				return p
			}
		}
	}
	return new(big.Int).Mul(rocaPrime(), rocaPrime())
}

// A modulus made of primes of the ROCA form (65537^a mod M + k*M) has
// the fingerprint; real random keys do not.
func TestROCA(t *testing.T) {
	n := rocaModulus()
	if !ROCAVulnerable(n) {
		t.Fatal("a ROCA-form modulus is not detected")
	}
	for range 5 {
		k, _ := rsa.GenerateKey(rand.Reader, 2048)
		if ROCAVulnerable(k.N) {
			t.Fatal("a random modulus is reported as ROCA")
		}
	}
	set := jwks(t, publicJWK(t, &rsa.PublicKey{N: n, E: 65537}, "roca", "RS256"))
	if got := ids(LintJWKS(set, time.Now()).Findings); !slices.Contains(got, "roca") {
		t.Fatalf("findings %v", got)
	}
}
