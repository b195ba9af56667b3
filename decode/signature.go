package decode

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	_ "crypto/sha256" // registers crypto.SHA256 for shaFor(...).New
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
)

// errSignature is a signature that does not verify with the key.
var errSignature = errors.New("signature does not verify")

// signingInput returns the bytes a compact JWS's signature covers, or
// false when the token is not one whose signature verifyCompact can check
// (JSON serializations and RFC 7797 unencoded payloads go to go-jose).
func signingInput(r *Result) (string, bool) {
	raw := r.Raw
	switch r.Serialization {
	case "compact":
	case "sd-jwt":
		raw = raw[:strings.IndexByte(raw, '~')]
	default:
		return "", false
	}
	if has(r.HeaderMembers, "b64") {
		return "", false
	}
	i := strings.LastIndexByte(raw, '.')
	if i < 0 || strings.Count(raw, ".") != 2 {
		return "", false
	}
	return raw[:i], true
}

// verifyCompact checks sig over input with the standard library's
// primitives. Decoding has already split and decoded the token, so this
// spares a second parse per token (go-jose's), which a batch feels. alg
// was chosen from the key and the caller's rules before this is called;
// here it only has to agree with the key's type.
func verifyCompact(alg string, key any, input string, sig []byte) error {
	switch alg {
	case "HS256", "HS384", "HS512":
		secret, ok := key.([]byte)
		if !ok {
			return keyMismatch(alg, key)
		}
		h := shaFor(alg)
		if bits := h.Size() * 8; len(secret)*8 < bits {
			return fmt.Errorf("the HMAC secret is %d bits, shorter than the %d-bit hash (RFC 7518 3.2 requires at least as long)", len(secret)*8, bits)
		}
		mac := hmac.New(h.New, secret)
		mac.Write([]byte(input))
		if !hmac.Equal(mac.Sum(nil), sig) {
			return errSignature
		}
		return nil
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		pub, ok := key.(*rsa.PublicKey)
		if !ok {
			return keyMismatch(alg, key)
		}
		h := shaFor(alg)
		digest := digestOf(alg, input)
		var err error
		if alg[0] == 'R' {
			err = rsa.VerifyPKCS1v15(pub, h, digest, sig)
		} else {
			err = verifyPSS(pub, h, digest, sig)
		}
		if err != nil && !errors.Is(err, errPSSSalt) {
			return errSignature
		}
		return err
	case "ES256", "ES384", "ES512":
		pub, ok := key.(*ecdsa.PublicKey)
		if !ok {
			return keyMismatch(alg, key)
		}
		curve, size := curveFor(alg)
		if pub.Curve != curve {
			return fmt.Errorf("%s needs a %s key, not %s", alg, curve.Params().Name, pub.Curve.Params().Name)
		}
		// JOSE's ECDSA signatures are r||s, each exactly the curve's size
		// (RFC 7518 3.4); DER and short forms are refused.
		if len(sig) != 2*size {
			return fmt.Errorf("%s signatures are %d bytes (r||s), this one is %d", alg, 2*size, len(sig))
		}
		rr, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
		if !ecdsa.Verify(pub, digestOf(alg, input), rr, s) {
			return errSignature
		}
		return nil
	case "EdDSA", "Ed25519":
		pub, ok := key.(ed25519.PublicKey)
		if !ok || len(pub) != ed25519.PublicKeySize {
			return keyMismatch(alg, key)
		}
		if !ed25519.Verify(pub, []byte(input), sig) {
			return errSignature
		}
		return nil
	}
	return fmt.Errorf("algorithm %s is not supported", alg)
}

func keyMismatch(alg string, key any) error {
	return fmt.Errorf("%s cannot be verified with a %T key", alg, key)
}

func shaFor(alg string) crypto.Hash {
	switch alg[len(alg)-3:] {
	case "384":
		return crypto.SHA384
	case "512":
		return crypto.SHA512
	}
	return crypto.SHA256
}

// digestOf hashes the signing input as a string: no copy of it is made.
func digestOf(alg, input string) []byte {
	h := shaFor(alg).New()
	io.WriteString(h, input)
	return h.Sum(make([]byte, 0, sha512.Size))
}

func curveFor(alg string) (elliptic.Curve, int) {
	switch alg {
	case "ES384":
		return elliptic.P384(), 48
	case "ES512":
		return elliptic.P521(), 66
	}
	return elliptic.P256(), 32
}

// verifyPSS checks an RSASSA-PSS signature whose salt is as long as the
// hash, as RFC 7518 3.5 requires: the standard library (and go-jose)
// accept any salt length when asked to verify.
func verifyPSS(pub *rsa.PublicKey, h crypto.Hash, digest, sig []byte) error {
	if err := rsa.VerifyPSS(pub, h, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}); err != nil {
		if rsa.VerifyPSS(pub, h, digest, sig, nil) == nil {
			return errPSSSalt
		}
		return errSignature
	}
	return nil
}

// errPSSSalt is a PSS signature that verifies only with a salt of another
// length than the hash's.
var errPSSSalt = errors.New("the RSASSA-PSS salt is not as long as the hash (RFC 7518 3.5)")

// jsonSigningInput is what the first signature of a JWS JSON serialization
// covers (RFC 7515 5.2): the protected header and the payload, as sent.
func jsonSigningInput(raw string) (string, []byte, bool) {
	var flat struct {
		Protected  string  `json:"protected"`
		Payload    *string `json:"payload"`
		Signature  string  `json:"signature"`
		Signatures []struct {
			Protected string `json:"protected"`
			Signature string `json:"signature"`
		} `json:"signatures"`
	}
	if json.Unmarshal([]byte(raw), &flat) != nil || flat.Payload == nil {
		return "", nil, false
	}
	protected, signature := flat.Protected, flat.Signature
	if len(flat.Signatures) > 0 {
		protected, signature = flat.Signatures[0].Protected, flat.Signatures[0].Signature
	}
	sig, err := base64.RawURLEncoding.DecodeString(signature)
	if err != nil {
		return "", nil, false
	}
	return protected + "." + *flat.Payload, sig, true
}
