package cmd

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/oidcdev/oidc/internal/issuer"
	"github.com/oidcdev/oidc/internal/issuer/issuertest"
)

// scriptState is what the custom commands of one script share.
type scriptState struct {
	issuer   *issuertest.Issuer
	op       *issuertest.Issuer // the one op started
	trapHits func() int
	kube     *kubeAPI // the one kubeapi started
}

// cmdIssuer: the issuer of oidc serve publishing the sample keys, for
// scripts that sign tokens with them (mint):
//
//	issuer start [-slash] [-skew D] [-max-age SECONDS] [-huge] [-slow D]
//	issuer jwks FILE      publish another key set (a rotation)
//	issuer hits PATH N    PATH was requested N times
func cmdIssuer(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: issuer start|jwks|hits ...")
	}
	st := ts.Value("state").(*scriptState)
	switch args[0] {
	case "start":
		jwks, err := os.ReadFile(filepath.Join(ts.Getenv("SAMPLES"), "jwks.json"))
		ts.Check(err)
		cfg := issuer.Config{AutoApprove: true, JWKS: jwks}
		dur := func(i int) time.Duration {
			d, err := time.ParseDuration(args[i])
			ts.Check(err)
			return d
		}
		for i := 1; i < len(args); i++ {
			switch args[i] {
			case "-slash":
				cfg.Faults.DiscoveryIssuerSlash = true
			case "-huge":
				cfg.Faults.HugeJWKS = true
			case "-skew":
				i++
				cfg.Faults.DateSkew = dur(i)
			case "-slow":
				i++
				cfg.Faults.SlowDiscovery = dur(i)
			case "-max-age":
				i++
				n, err := strconv.Atoi(args[i])
				ts.Check(err)
				cfg.CacheMaxAge = time.Duration(n) * time.Second
			default:
				ts.Fatalf("issuer start: unknown option %s", args[i])
			}
		}
		it, err := issuertest.Serve(cfg, "")
		ts.Check(err)
		ts.Defer(it.Close)
		ts.Setenv("ISSUER", it.URL)
		st.issuer = it
	case "jwks":
		data, err := os.ReadFile(ts.MkAbs(args[1]))
		ts.Check(err)
		st.issuer.SetJWKS(data)
	case "hits":
		if got := st.issuer.Hits(args[1]); strconv.Itoa(got) != args[2] {
			ts.Fatalf("%s was requested %d times, want %s", args[1], got, args[2])
		}
	default:
		ts.Fatalf("issuer: unknown subcommand %s", args[0])
	}
}

// cmdTrap: trap start sets $TRAP to a listener that must never be
// contacted; trap check fails if it was (a token's jku or x5u fetched).
func cmdTrap(ts *testscript.TestScript, neg bool, args []string) {
	switch args[0] {
	case "start":
		var mu sync.Mutex
		hits := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			hits++
			mu.Unlock()
			w.Write([]byte(`{"keys":[]}`))
		}))
		ts.Defer(srv.Close)
		ts.Setenv("TRAP", srv.URL)
		ts.Value("state").(*scriptState).trapHits = func() int { mu.Lock(); defer mu.Unlock(); return hits }
	case "check":
		if n := ts.Value("state").(*scriptState).trapHits(); n != 0 {
			ts.Fatalf("the trap listener was contacted %d times: keys were fetched from the token", n)
		}
	}
}

// cmdMint: mint OUT PAYLOAD [KID [ALG [TYP]]] signs the payload file (with
// ${ISSUER} and ${TRAP} expanded) with a sample key, and writes the compact
// token. Header extras come from a file named by -h.
func cmdMint(ts *testscript.TestScript, neg bool, args []string) {
	extra := map[string]any{}
	var signKey any
	embed := false
	pssSalt := -1
	for len(args) > 1 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-h":
			ts.Check(json.Unmarshal([]byte(expand(ts, ts.ReadFile(args[1]))), &extra))
			args = args[2:]
		case "-secret": // HMAC with the bytes of a file (key confusion tests)
			signKey = []byte(ts.ReadFile(args[1]))
			args = args[2:]
		case "-pss-salt": // RSASSA-PSS with a salt of this many bytes (RFC 7518 3.5 wants the hash's length)
			n, err := strconv.Atoi(args[1])
			ts.Check(err)
			pssSalt = n
			args = args[2:]
		case "-embed": // an attacker's own key, embedded as jwk
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			ts.Check(err)
			signKey, embed = k, true
			args = args[1:]
		case "-weak", "-rsa": // a fresh RSA key (1024 bits with -weak, 2048 with -rsa), its JWKS (kid weak-1 or rsa-1, no alg) written to the file named
			bits, kid := 1024, "weak-1"
			if args[0] == "-rsa" {
				bits, kid = 2048, "rsa-1"
			}
			k, err := rsa.GenerateKey(rand.Reader, bits)
			ts.Check(err)
			signKey = k
			set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: kid, Use: "sig"}}}
			data, err := json.Marshal(set)
			ts.Check(err)
			ts.Check(os.WriteFile(ts.MkAbs(args[1]), data, 0o644))
			args = args[2:]
		default:
			ts.Fatalf("mint: unknown option %s", args[0])
		}
	}
	if len(args) < 2 {
		ts.Fatalf("usage: mint [-h HEADER] OUT PAYLOAD [KID [ALG [TYP]]]")
	}
	kid, alg, typ := "sample-rsa-1", "", "JWT"
	if len(args) > 2 {
		kid = args[2]
	}
	if len(args) > 3 {
		alg = args[3]
	}
	if len(args) > 4 {
		typ = args[4]
	}
	keysData, err := os.ReadFile(filepath.Join(ts.Getenv("SAMPLES"), "keys.json"))
	ts.Check(err)
	var set jose.JSONWebKeySet
	ts.Check(json.Unmarshal(keysData, &set))
	if signKey == nil {
		keys := set.Key(kid)
		if len(keys) == 0 {
			ts.Fatalf("no sample key %s", kid)
		}
		signKey = keys[0].Key
		if alg == "" {
			alg = keys[0].Algorithm
		}
	}
	if alg == "" {
		alg = "RS256"
	}
	if pssSalt >= 0 {
		header := map[string]any{"alg": alg, "kid": kid, "typ": typ}
		for k, v := range extra {
			header[k] = v
		}
		h, err := json.Marshal(header)
		ts.Check(err)
		payload := strings.TrimSpace(expand(ts, ts.ReadFile(args[1])))
		input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
		hash := map[string]crypto.Hash{"PS256": crypto.SHA256, "PS384": crypto.SHA384, "PS512": crypto.SHA512}[alg]
		if hash == 0 {
			ts.Fatalf("mint -pss-salt: alg %s is not PS256, PS384 or PS512", alg)
		}
		d := hash.New()
		d.Write([]byte(input))
		sig, err := rsa.SignPSS(rand.Reader, signKey.(*rsa.PrivateKey), hash, d.Sum(nil), &rsa.PSSOptions{SaltLength: pssSalt})
		ts.Check(err)
		ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(input+"."+base64.RawURLEncoding.EncodeToString(sig)), 0o644))
		return
	}
	opts := (&jose.SignerOptions{EmbedJWK: embed}).WithType(jose.ContentType(typ))
	if !embed {
		opts = opts.WithHeader("kid", kid)
	}
	for k, v := range extra {
		opts = opts.WithHeader(jose.HeaderKey(k), v)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: signKey}, opts)
	ts.Check(err)
	payload := strings.TrimSpace(expand(ts, ts.ReadFile(args[1])))
	obj, err := signer.Sign([]byte(payload))
	ts.Check(err)
	out, err := obj.CompactSerialize()
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(out), 0o644))
}

func expand(ts *testscript.TestScript, s string) string {
	for _, v := range []string{"ISSUER", "TRAP"} {
		s = strings.ReplaceAll(s, "${"+v+"}", ts.Getenv(v))
	}
	return s
}

// cmdTamper: tamper IN OUT MODE changes a signed token the way attackers
// do: strip-sig, truncate-sig, payload (a claim changed, signature kept),
// zero-sig (ECDSA r = s = 0), der-sig (an ECDSA signature DER-encoded),
// pad-sig and std-sig (the same signature re-encoded: padded, or in the
// standard alphabet).
func cmdTamper(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: tamper IN OUT MODE")
	}
	parts := strings.Split(strings.TrimSpace(ts.ReadFile(args[0])), ".")
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	ts.Check(err)
	switch args[2] {
	case "strip-sig":
		parts[2] = ""
	case "truncate-sig":
		parts[2] = parts[2][:len(parts[2])/2]
	case "payload":
		p, err := base64.RawURLEncoding.DecodeString(parts[1])
		ts.Check(err)
		parts[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(p), `"sub":"alice"`, `"sub":"admin"`, 1)))
	case "zero-sig":
		parts[2] = base64.RawURLEncoding.EncodeToString(make([]byte, len(sig)))
	case "pad-sig": // the same signature bytes, written with '=' padding
		parts[2] += "="
	case "std-sig": // the same signature bytes, in the standard base64 alphabet
		parts[2] = base64.StdEncoding.WithPadding(base64.NoPadding).EncodeToString(sig)
		if !strings.ContainsAny(parts[2], "+/") {
			ts.Fatalf("tamper: the signature has no character the standard alphabet writes differently")
		}
	case "der-sig":
		half := len(sig) / 2
		der := derInt(sig[:half])
		der = append(der, derInt(sig[half:])...)
		parts[2] = base64.RawURLEncoding.EncodeToString(append([]byte{0x30, byte(len(der))}, der...))
	default:
		ts.Fatalf("tamper: unknown mode %s", args[2])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(strings.Join(parts, ".")), 0o644))
}

func derInt(b []byte) []byte {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	if b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return append([]byte{0x02, byte(len(b))}, b...)
}
