package decode

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// TestRealOpaqueTokensKept: the opaque tokens of real issuers, of every
// shape and size, are still opaque tokens under the limit.
func TestRealOpaqueTokensKept(t *testing.T) {
	url := base64.RawURLEncoding.EncodeToString
	tokens := map[string]string{
		"Google access":     "ya29.a0AfB_byC" + url(randomBytes(150)),
		"Google refresh":    "1//0g" + strings.ReplaceAll(url(randomBytes(75)), "_", "-"),
		"GitHub OAuth":      "gho_" + strings.Repeat("aB3d", 9),
		"GitHub PAT":        "ghp_" + strings.Repeat("Zx9Q", 9),
		"GitHub fine PAT":   "github_pat_11ABCDEFG0" + strings.Repeat("aZ09_", 15),
		"Auth0":             "aBcDeFgHiJkLmNoPqRsTuVwXyZ012345",
		"Okta refresh":      url(randomBytes(32)),
		"Entra refresh":     "0.AXYA" + url(randomBytes(1200)),
		"Slack bot":         "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
		"Stripe":            "sk_live_" + strings.Repeat("51H8xYzAbC", 10),
		"padded base64":     base64.StdEncoding.EncodeToString(randomBytes(32)),
		"RFC 6749 example":  "2YotnFZFEjr1zCsicMWpAA",
		"UUID":              "3f8e6a9c-1b2d-4e5f-8a7b-9c0d1e2f3a4b",
		"SHA-256 hex":       hex.EncodeToString(make([]byte, 32)),
		"tilde and plus":    "abc~def+ghi/jkl.mno_pqr-stu",
		"at the limit":      strings.Repeat("a", MaxOpaqueLength),
		"base64 JSON alone": "eyJzdWIiOiJhbGljZSJ9eyJ4IjoxfQ",
	}
	for name, tok := range tokens {
		rs := Input([]byte(tok), Source{}, Options{Now: at})
		if len(rs) != 1 || rs[0].Kind != KindOpaque {
			t.Errorf("%s (%d characters): %s %+v", name, len(tok), rs[0].Kind, rs[0].Error)
		}
	}
	// Labelled, a token is one by where it came from, however long.
	long := url(randomBytes(6000))
	rs := Input([]byte(`{"access_token":"a.b.c","refresh_token":"`+long+`"}`), Source{}, Options{Now: at})
	if rs[1].Kind != KindOpaque || rs[1].Label != "refresh_token" {
		t.Errorf("long refresh token: %s %+v", rs[1].Kind, rs[1].Error)
	}
	// JWE and JWS are not opaque tokens: no such limit (AWS Cognito's
	// refresh tokens are JWEs of about 1.7 KB).
	if r := Token("eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ."+url(randomBytes(256))+"."+url(randomBytes(12))+"."+url(randomBytes(5000))+"."+url(randomBytes(16)), Source{}, "", Options{}); r.Kind != KindJWE || r.Failed() {
		t.Errorf("a large JWE: %s %+v", r.Kind, r.Error)
	}
}

// TestNotATokenSaysWhat: what cannot be a token is refused, saying what it
// looks like instead.
func TestNotATokenSaysWhat(t *testing.T) {
	der, _ := hex.DecodeString("3082010a0282010100" + strings.Repeat("ab", 256) + "0203010001")
	sum := sha256.Sum256(nil)
	tests := map[string]struct{ input, want string }{
		"a megabyte of base64":      {base64.StdEncoding.EncodeToString(randomBytes(750000)), "not a token: 976.6 KiB of base64: binary data (an opaque token is at most 4096 characters)"},
		"base64url past the limit":  {base64.RawURLEncoding.EncodeToString(randomBytes(3100)), "KiB of base64: binary data"},
		"one past the limit":        {strings.Repeat("z", MaxOpaqueLength+1), "4.0 KiB of base64"},
		"hex past the limit":        {strings.Repeat(hex.EncodeToString(sum[:]), 80), "5.0 KiB of hex: binary data or digests"},
		"dots and tildes, too long": {strings.Repeat("a.b~", 1100), "4400 characters: longer than any opaque token"},
		"gzip in base64":            {base64.StdEncoding.EncodeToString(append([]byte{0x1f, 0x8b, 8, 0}, randomBytes(4000)...)), "of base64: gzip data"},
		"PNG in base64":             {base64.StdEncoding.EncodeToString(append([]byte("\x89PNG\r\n\x1a\n"), randomBytes(4000)...)), "of base64: a PNG image"},
		"DER key in base64":         {base64.StdEncoding.EncodeToString(der), "of base64 DER, most likely a key or certificate"},
		"text":                      {"the quick brown fox", "white space at byte 3: it reads as text"},
		"two tokens on a line":      {"2YotnFZFEjr1zCsicMWpAA 2YotnFZFEjr1zCsicMWpAA", "several tokens on one line?"},
		"name=value":                {"client_secret=abcdefghijklmnopqrstuvwxyz", "'=' at byte 13: '=' only pads the end of a token"},
		"PEM public key":            {"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n", "a PEM block (PUBLIC KEY): a key, not a token; give it to oidc verify --key"},
		"PEM private key":           {"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI\n-----END EC PRIVATE KEY-----", "a PEM private key (EC PRIVATE KEY)"},
		"binary":                    {"\x00\x01\x02\xff\xfe garbage", "of binary data: not text"},
		"DER file":                  {string(der), "of binary data: DER, most likely a key or certificate"},
		"UTF-16 with BOM":           {"\xff\xfee\x00y\x00J\x00", "UTF-16 text"},
		"UTF-16 without BOM":        {"e\x00y\x00J\x00h\x00", "UTF-16 text"},
		"wrapped base64":            {wrap(base64.StdEncoding.EncodeToString(randomBytes(3000)), 76), "lines of base64 wrapped at 76 columns"},
		"wrapped PEM body":          {wrap(base64.StdEncoding.EncodeToString(der), 64), "lines of base64 wrapped at 64 columns (365 bytes): DER, most likely a key or certificate"},
	}
	for name, tt := range tests {
		rs := Input([]byte(tt.input), Source{}, Options{Now: at})
		if len(rs) != 1 || rs[0].Kind != KindInvalid || !strings.Contains(rs[0].Error.Message, tt.want) {
			t.Errorf("%s: %d results, %s %+v; want %q", name, len(rs), rs[0].Kind, rs[0].Error, tt.want)
			continue
		}
		if !strings.HasPrefix(rs[0].Error.Message, "not a token: ") {
			t.Errorf("%s: %q", name, rs[0].Error.Message)
		}
	}
}

// wrap cuts s into lines of n characters, as base64(1) and PEM do.
func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + "\n")
		s = s[n:]
	}
	return b.String() + s + "\n"
}

// TestTokensOnLinesNotWrappedBase64: one token per line is not mistaken
// for wrapped base64, even when the tokens are alike.
func TestTokensOnLinesNotWrappedBase64(t *testing.T) {
	var lines []string
	for range 5 {
		lines = append(lines, base64.RawURLEncoding.EncodeToString(randomBytes(57))) // 76 characters, no + or /
	}
	rs := Input([]byte(strings.Join(lines, "\n")), Source{}, Options{Now: at})
	if len(rs) != 5 || rs[0].Kind != KindOpaque {
		t.Fatalf("%d results, %s %+v", len(rs), rs[0].Kind, rs[0].Error)
	}
}

// TestWholeInput: the start of a stream says when it is data to read
// whole, not tokens to decode line by line as they come.
func TestWholeInput(t *testing.T) {
	line := base64.StdEncoding.EncodeToString(append([]byte{0xfb, 0xff}, randomBytes(55)...)) // 76 characters, '+' or '/' in it
	for head, want := range map[string]bool{
		"-----BEGIN CERTIFICATE-----\nMIIB":           true,
		"\x00\x01\x02":                                true,
		"\xff\xfee\x00":                               true,
		"abc\xff\xfedefghij":                          true,
		"ey\xe2\x82":                                  false, // a character cut by the read
		line + "\n" + line + "\n" + line + "\n":       true,
		line + "\n" + line + "\n":                     false, // a trickle of tokens: not yet
		line + "\n" + line + "\n" + line[:40] + "\n":  false,
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.\n": false,
	} {
		if got := WholeInput([]byte(head)); got != want {
			t.Errorf("WholeInput(%q) = %v, want %v", head[:min(len(head), 30)], got, want)
		}
	}
}
