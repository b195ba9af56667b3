package issuer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// strayKey is for the kid fault: a key of the same kind as the signing
// key, that the JWKS lacks, so only the key differs, not the algorithm.
// Made on first use: most runs never need it.
func (s *Server) strayKey() jose.JSONWebKey {
	s.strayOnce.Do(func() {
		rsaKey, ec, ed, err := s.newKeys()
		if err != nil {
			return
		}
		switch s.cfg.SigningAlg {
		case "ES256":
			s.stray = ec
		case "EdDSA":
			s.stray = ed
		default:
			s.stray = rsaKey
		}
		s.stray.KeyID = "not-in-jwks"
	})
	return s.stray
}

// makeKeys makes the first keys in the background: RSA-2048 alone takes
// 50-200 ms, and a test job waits for discovery, which needs no key. Keys
// loaded meanwhile (--keys) win over these.
func (s *Server) makeKeys() {
	s.keysMade = make(chan struct{})
	go func() {
		rsaKey, ec, ed, err := s.newKeys()
		if err != nil {
			// Only a failing crypto/rand could get here, and since Go
			// 1.24 that ends the program first.
			panic("oidc serve: making keys: " + err.Error())
		}
		s.setKeys(rsaKey, ec, ed, nil, false)
	}()
}

// setKeys puts keys in force; made ones (replace false) only when none
// are there yet.
func (s *Server) setKeys(rsaKey, ec, ed jose.JSONWebKey, prev []jose.JSONWebKey, replace bool) {
	s.keyMu.Lock()
	if replace || !s.haveKeys {
		s.rsa, s.ec, s.ed, s.prev = rsaKey, ec, ed, prev
		s.haveKeys = true
	}
	s.keyMu.Unlock()
	s.keysOnce.Do(func() { close(s.keysMade) })
}

// newKeys makes an RSA-2048, a P-256 and an Ed25519 key.
func (s *Server) newKeys() (jose.JSONWebKey, jose.JSONWebKey, jose.JSONWebKey, error) {
	var none jose.JSONWebKey
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return none, none, none, err
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return none, none, none, err
	}
	_, edk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return none, none, none, err
	}
	stamp := s.cfg.Now().UTC().Format("20060102T150405.000")
	rsaAlg := "RS256"
	if s.cfg.SigningAlg == "PS256" {
		rsaAlg = "PS256"
	}
	return jose.JSONWebKey{Key: rk, KeyID: "rsa-" + stamp, Algorithm: rsaAlg, Use: "sig"},
		jose.JSONWebKey{Key: ek, KeyID: "ec-" + stamp, Algorithm: "ES256", Use: "sig"},
		jose.JSONWebKey{Key: edk, KeyID: "ed-" + stamp, Algorithm: "EdDSA", Use: "sig"}, nil
}

// Rotate makes new signing keys; the old ones stay in the JWKS for one
// rotation, so tokens they signed still verify.
func (s *Server) Rotate() error {
	// After the first keys, so that a rotation at start-up cannot make
	// keys in the same millisecond as they are made (one kid twice).
	<-s.keysMade
	// Keep kids distinct even when two rotations fall in one millisecond.
	time.Sleep(2 * time.Millisecond)
	rsaKey, ec, ed, err := s.newKeys()
	if err != nil {
		return err
	}
	// One swap: the JWKS never lacks the old keys while the new sign.
	s.keyMu.Lock()
	s.prev = []jose.JSONWebKey{s.rsa, s.ec, s.ed}
	s.rsa, s.ec, s.ed = rsaKey, ec, ed
	s.keyMu.Unlock()
	return nil
}

// keysFile is what --keys stores: the private keys, current first.
type keysFile struct {
	Keys []jose.JSONWebKey `json:"keys"`
}

// SaveKeys writes the keys to path, readable by the user only.
func (s *Server) SaveKeys(path string) error {
	data, err := json.MarshalIndent(keysFile{Keys: s.verificationKeys()}, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// LoadKeys reads keys saved by SaveKeys. A missing file is not an error:
// the first start writes it.
func (s *Server) LoadKeys(path string) (bool, error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return false, fmt.Errorf("%s is readable by others (%v): it holds private keys; chmod 600 it", path, st.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	var f keysFile
	if err := json.Unmarshal(data, &f); err != nil {
		return false, fmt.Errorf("%s: %v", path, err)
	}
	if len(f.Keys) < 3 {
		return false, fmt.Errorf("%s: expected an RSA, an EC and an Ed25519 private key", path)
	}
	_, ok1 := f.Keys[0].Key.(*rsa.PrivateKey)
	_, ok2 := f.Keys[1].Key.(*ecdsa.PrivateKey)
	_, ok3 := f.Keys[2].Key.(ed25519.PrivateKey)
	if !ok1 || !ok2 || !ok3 {
		return false, fmt.Errorf("%s: the first three keys must be RSA, EC and Ed25519 private keys", path)
	}
	// The algorithm comes from this run's --signing-alg, not the file.
	if s.cfg.SigningAlg == "PS256" {
		f.Keys[0].Algorithm = "PS256"
	} else {
		f.Keys[0].Algorithm = "RS256"
	}
	s.setKeys(f.Keys[0], f.Keys[1], f.Keys[2], f.Keys[3:], true)
	return true, nil
}

// expiredCertificate is a self-signed certificate for the key that
// expired a day ago (the expired-x5c fault).
func expiredCertificate(k jose.JSONWebKey) (*x509.Certificate, error) {
	signer, ok := k.Key.(crypto.Signer)
	if !ok {
		return nil, errors.New("not a private key")
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.Unix()), Subject: pkix.Name{CommonName: "oidc serve signing key"},
		NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, signer.Public(), signer)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}
