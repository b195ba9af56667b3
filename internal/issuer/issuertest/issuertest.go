// Package issuertest runs internal/issuer in a test process: the one
// fault-injecting issuer that flow's and cmd's tests log in to, instead of
// fakes of their own.
package issuertest

import (
	"crypto/tls"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/oidcdev/oidc/internal/issuer"
)

// Issuer is a running test issuer.
type Issuer struct {
	*issuer.Server
	HTTP *httptest.Server
	URL  string
	// CAFile is the PEM file of its certificate, when served over TLS.
	CAFile string
}

// Serve starts an issuer with cfg; over TLS when caDir is not empty, with
// its certificate written there. Close stops it.
func Serve(cfg issuer.Config, caDir string) (*Issuer, error) {
	srv, err := issuer.New(cfg)
	if err != nil {
		return nil, err
	}
	it := &Issuer{Server: srv}
	// The issuer is set before the server starts: handlers read it.
	it.HTTP = httptest.NewUnstartedServer(srv)
	scheme := "http://"
	if caDir != "" {
		scheme = "https://"
	}
	srv.SetIssuer(scheme + it.HTTP.Listener.Addr().String())
	if caDir != "" {
		// Every client may present a certificate (mTLS, RFC 8705).
		it.HTTP.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
		it.HTTP.StartTLS()
		it.CAFile = filepath.Join(caDir, "issuer-ca.pem")
		cert := it.HTTP.Certificate()
		if err := os.WriteFile(it.CAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644); err != nil {
			it.HTTP.Close()
			return nil, err
		}
	} else {
		it.HTTP.Start()
	}
	it.URL = srv.Issuer()
	return it, nil
}

// Close stops the issuer.
func (it *Issuer) Close() { it.HTTP.Close() }

// Start is Serve until the test ends.
func Start(tb testing.TB, cfg issuer.Config, useTLS bool) *Issuer {
	tb.Helper()
	dir := ""
	if useTLS {
		dir = tb.TempDir()
	}
	it, err := Serve(cfg, dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(it.Close)
	return it
}

// Faults parses fault specs as `oidc serve --fault` does.
func Faults(specs ...string) (issuer.Faults, error) {
	var f issuer.Faults
	for _, s := range specs {
		if err := f.Set(s); err != nil {
			return f, err
		}
	}
	return f, nil
}
