package decode

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPublishedVectors decodes every JWS and JWE example of RFC 7515
// Appendix A and RFC 7520 sections 4 and 5 and compares the header and
// payload with the bytes the RFCs document.
func TestPublishedVectors(t *testing.T) {
	dirs, err := filepath.Glob("testdata/vectors/rfc*")
	if err != nil {
		t.Fatal(err)
	}
	tested := 0
	for _, dir := range dirs {
		tokenFile := filepath.Join(dir, "token")
		token, err := os.ReadFile(tokenFile)
		if err != nil {
			continue // the RFC 9068 example has no encoded token
		}
		tested++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			results := Input(token, Source{}, Options{})
			if len(results) != 1 {
				t.Fatalf("got %d results, want 1", len(results))
			}
			r := results[0]
			if r.Error != nil {
				t.Fatalf("decode error: %v", r.Error)
			}
			wantKind := KindJWS
			switch {
			case strings.HasPrefix(filepath.Base(dir), "rfc7520-5"):
				wantKind = KindJWE
			case filepath.Base(dir) == "rfc7515-a5":
				wantKind = KindUnsecured
			}
			if r.Kind != wantKind {
				t.Errorf("kind = %s, want %s", r.Kind, wantKind)
			}
			if want, err := os.ReadFile(filepath.Join(dir, "header.json")); err == nil {
				assertJSON(t, "header", r.Header, want)
			} else if r.Header != nil {
				t.Errorf("header = %s, the vector has no protected header", r.Header)
			}
			for i := 2; i <= 3; i++ {
				want, err := os.ReadFile(filepath.Join(dir, "header.sig"+string(rune('0'+i))+".json"))
				if err != nil {
					continue
				}
				if len(r.Signatures) < i {
					t.Fatalf("got %d signatures, want at least %d", len(r.Signatures), i)
				}
				assertJSON(t, "signature header", r.Signatures[i-1].Header, want)
			}
			if want, err := os.ReadFile(filepath.Join(dir, "payload.json")); err == nil {
				assertJSON(t, "payload", r.Payload, want)
			}
			if want, err := os.ReadFile(filepath.Join(dir, "payload.txt")); err == nil && r.PayloadText != string(want) {
				t.Errorf("payload text = %q, want %q", r.PayloadText, want)
			}
			if wantKind == KindJWE && r.JWE == nil {
				t.Error("no JWE information")
			}
		})
	}
	if tested < 25 {
		t.Fatalf("only %d vectors found: testdata/vectors is incomplete", tested)
	}
}

// assertJSON compares JSON ignoring insignificant white space (the RFCs'
// headers contain CRLF between members).
func assertJSON(t *testing.T, what string, got json.RawMessage, want []byte) {
	t.Helper()
	var w, g bytes.Buffer
	if err := json.Compact(&w, want); err != nil {
		t.Fatalf("%s: bad vector: %v", what, err)
	}
	if err := json.Compact(&g, got); err != nil || !bytes.Equal(g.Bytes(), w.Bytes()) {
		t.Errorf("%s = %s\nwant %s", what, got, w.Bytes())
	}
}

// TestRFC9068Example checks that the claims RFC 9068 section 3 gives for a
// JWT access token are guessed as one.
func TestRFC9068Example(t *testing.T) {
	header, err := os.ReadFile("testdata/vectors/rfc9068-example/header.json")
	if err != nil {
		t.Fatal(err)
	}
	payload, err := os.ReadFile("testdata/vectors/rfc9068-example/payload.json")
	if err != nil {
		t.Fatal(err)
	}
	token := b64(header) + "." + b64(payload) + "." + b64(make([]byte, 256))
	r := Token(token, Source{}, "", Options{})
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if r.Guess == nil || r.Guess.Type != TypeAccessToken {
		t.Fatalf("guess = %+v, want an access token", r.Guess)
	}
	if r.Guess.Evidence[0] != "header typ at+JWT" {
		t.Errorf("evidence = %q", r.Guess.Evidence)
	}
	for _, claim := range []string{"iss", "exp", "aud", "sub", "client_id", "iat", "jti"} {
		if !has(r.Claims, claim) {
			t.Errorf("claim %s missing", claim)
		}
	}
}
