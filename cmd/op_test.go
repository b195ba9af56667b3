package cmd

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
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

// cmdOp starts internal/issuer, the issuer of `oidc serve`, for a script:
//
//	op [-tls] [-opaque] [-auth-methods a,b] [-client-auth METHOD] [-jwt-client JWKS] [-assertion-aud A] [-userinfo-encrypt KEY] [-pages] [FAULT ...]
//
// It approves every login at once (unless -pages) and sets $ISSUER, and
// $ISSUER_CA with -tls. -auth-methods sets what discovery advertises;
// -client-auth holds the confidential client (oidc-cli-confidential,
// secret oidc-cli-secret) to one method, as Hydra and Keycloak do.
func cmdOp(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("op does not fail")
	}
	cfg := issuer.Config{AutoApprove: true}
	useTLS := false
	var faults []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "-tls":
			useTLS = true
		case "-opaque":
			cfg.AccessTokenFormat = "opaque"
		case "-require-par":
			cfg.RequirePAR = true
		case "-pages":
			cfg.AutoApprove = false
		case "-auth-methods":
			i++
			cfg.TokenAuthMethods = strings.Split(args[i], ",")
		case "-jwt-client": // a client with registered public keys, for private_key_jwt
			i++
			var set jose.JSONWebKeySet
			ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[i])), &set))
			if cfg.Clients == nil {
				cfg.Clients = append([]issuer.Client(nil), issuer.DefaultClients...)
			}
			cfg.Clients = append(cfg.Clients, issuer.Client{ID: "jwt-client", JWKS: &set, AuthMethod: "private_key_jwt", SkipConsent: true,
				RedirectURIs: []string{"http://127.0.0.1/callback"}})
		case "-assertion-aud":
			i++
			for j := range cfg.Clients {
				cfg.Clients[j].AssertionAudience = args[i]
			}
		case "-mtls-client": // a client that authenticates with its self-signed certificate
			i++
			block, _ := pem.Decode([]byte(ts.ReadFile(args[i])))
			if block == nil {
				ts.Fatalf("op -mtls-client: %s holds no PEM certificate", args[i])
			}
			sum := sha256.Sum256(block.Bytes)
			if cfg.Clients == nil {
				cfg.Clients = append([]issuer.Client(nil), issuer.DefaultClients...)
			}
			cfg.Clients = append(cfg.Clients, issuer.Client{ID: "mtls-client", AuthMethod: "self_signed_tls_client_auth", SkipConsent: true,
				TLSCertThumbprint: base64.RawURLEncoding.EncodeToString(sum[:]), RedirectURIs: []string{"http://127.0.0.1/callback"}})
		case "-userinfo-encrypt": // oidc-cli's userinfo encrypted to the key in FILE, made when missing (PEM)
			i++
			keyFile := ts.MkAbs(args[i])
			if _, err := os.Stat(keyFile); err != nil {
				ts.Check(os.WriteFile(keyFile, newEncryptionKey(ts, "RSA-OAEP-256", "A256GCM"), 0o600))
			}
			data, err := os.ReadFile(keyFile)
			ts.Check(err)
			if cfg.Clients == nil {
				cfg.Clients = append([]issuer.Client(nil), issuer.DefaultClients...)
			}
			for j := range cfg.Clients {
				if cfg.Clients[j].ID == "oidc-cli" {
					cfg.Clients[j].UserinfoEncryptionKey = &jose.JSONWebKey{Key: encryptionKey(ts, data)}
				}
			}
		case "-secret": // the confidential client's secret
			i++
			if cfg.Clients == nil {
				cfg.Clients = append([]issuer.Client(nil), issuer.DefaultClients...)
			}
			for j := range cfg.Clients {
				if cfg.Clients[j].Secret != "" {
					cfg.Clients[j].Secret = args[i]
				}
			}
		case "-client-auth":
			i++
			clients := cfg.Clients
			if clients == nil {
				clients = append([]issuer.Client(nil), issuer.DefaultClients...)
			}
			for j := range clients {
				if clients[j].Secret != "" {
					clients[j].AuthMethod = args[i]
				}
			}
			cfg.Clients = clients
		default:
			if strings.HasPrefix(a, "-") {
				ts.Fatalf("op: unknown option %s", a)
			}
			faults = append(faults, a)
		}
	}
	f, err := issuertest.Faults(faults...)
	ts.Check(err)
	cfg.Faults = f
	cfg.DeviceInterval = time.Second
	dir := ""
	if useTLS {
		dir = ts.MkAbs(".")
	}
	it, err := issuertest.Serve(cfg, dir)
	ts.Check(err)
	ts.Defer(it.Close)
	ts.Setenv("ISSUER", it.URL)
	if useTLS {
		ts.Setenv("ISSUER_CA", it.CAFile)
	}
	ts.Value("state").(*scriptState).op = it
}

// cmdFaults replaces the faults of the issuer op started, as the
// /admin/faults endpoint does: faults [FAULT ...] (none: clear them).
func cmdFaults(ts *testscript.TestScript, neg bool, args []string) {
	it := ts.Value("state").(*scriptState).op
	if neg || it == nil {
		ts.Fatalf("usage: faults [FAULT ...], after op")
	}
	f, err := issuertest.Faults(args...)
	ts.Check(err)
	it.SetFaults(f)
}

// cmdExits runs a program and checks its exit code, the contract scripts
// rely on: exits N PROG ARGS... (stdout and stderr are kept, as with exec).
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// cmdMkcert writes a self-signed client certificate and its key as PEM:
// mkcert CERT KEY.
func cmdMkcert(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mkcert CERT KEY")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ts.Check(err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "oidc test client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	ts.Check(err)
	kder, err := x509.MarshalECPrivateKey(key)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600))
}

// cmdOpHits checks what the issuer op started counted: ophits KEY N,
// KEY a path or "/token grant_type=G".
func cmdOpHits(ts *testscript.TestScript, neg bool, args []string) {
	it := ts.Value("state").(*scriptState).op
	if neg || it == nil || len(args) != 2 {
		ts.Fatalf("usage: ophits KEY N, after op")
	}
	if got := it.Hits(args[0]); strconv.Itoa(got) != args[1] {
		ts.Fatalf("%s: %d requests, want %s", args[0], got, args[1])
	}
}

// cmdParallel runs N copies of a program at once, as N processes, and
// checks that each exits 0; copy i's stdout goes to OUTDIR/i:
//
//	parallel N OUTDIR PROG [ARGS...]
//
// The processes get the script's PATH, HOME and OIDC_* variables.
func cmdParallel(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: parallel N OUTDIR PROG [ARGS...]")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	dir := ts.MkAbs(args[1])
	ts.Check(os.MkdirAll(dir, 0o755))
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "OIDC_CONFIG", "OIDC_CACHE_DIR", "OIDC_PROFILE"} {
		env = append(env, k+"="+ts.Getenv(k))
	}
	prog, err := exec.LookPath(args[2])
	if p := ts.Getenv("PATH"); p != "" {
		for _, d := range filepath.SplitList(p) {
			if _, serr := os.Stat(filepath.Join(d, args[2])); serr == nil {
				prog, err = filepath.Join(d, args[2]), nil
				break
			}
		}
	}
	ts.Check(err)
	errs := make([]error, n)
	stderr := make([]bytes.Buffer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := exec.Command(prog, args[3:]...)
			c.Env, c.Dir, c.Stderr = env, ts.MkAbs("."), &stderr[i]
			out, err := c.Output()
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, strconv.Itoa(i)), out, 0o644)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			ts.Fatalf("copy %d: %v: %s", i, err, stderr[i].String())
		}
	}
}

// cmdFiles serves the script's work directory on 127.0.0.1 and sets
// $FILES to its URL.
func cmdFiles(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("usage: files")
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(ts.MkAbs("."))))
	ts.Defer(srv.Close)
	ts.Setenv("FILES", srv.URL)
}
