package decode

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// diffKeys are the sample keys, private halves included: fixed, so that
// a corpus entry signed in one run still verifies in the next.
func diffKeys(f *testing.F) []jose.JSONWebKey {
	data, err := os.ReadFile("testdata/samples/keys.json")
	if err != nil {
		f.Fatal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(data, &set); err != nil {
		f.Fatal(err)
	}
	return set.Keys
}

// stricterOn are the checks oidc fails where go-jose accepts, each for a
// documented reason (README, "what is refused"): lax base64, duplicate
// members, PSS salts, crit, header protection, weak keys.
var stricterOn = []string{"signature", "key", "alg", "duplicates", "header_protection", "crit", "structure"}

// FuzzDifferential: tokens of every algorithm the sample keys sign with,
// mutated, verified by oidc (the JOSE layer only) and by go-jose with the
// same key and the same one allowed algorithm. oidc must never accept
// what go-jose refuses; where oidc refuses what go-jose accepts, the
// failing check must be one oidc is stricter on by design.
func FuzzDifferential(f *testing.F) {
	keys := diffKeys(f)
	// Fixed too: an HMAC secret and an Ed25519 key made from fixed seeds.
	secret := sha512.Sum512([]byte("oidc differential fuzz secret"))
	edSeed := sha256.Sum256([]byte("oidc differential fuzz ed25519"))
	keys = append(keys, jose.JSONWebKey{Key: secret[:], KeyID: "hmac"}, jose.JSONWebKey{Key: ed25519.NewKeyFromSeed(edSeed[:]), KeyID: "ed"})
	algsOf := map[string][]jose.SignatureAlgorithm{"RSA": {jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512}, "EC": {jose.ES256},
		"oct": {jose.HS256, jose.HS384}, "OKP": {jose.EdDSA}}
	for _, k := range keys {
		for _, alg := range algsOf[KeyType(k)] {
			s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: k.Key}, (&jose.SignerOptions{}).WithHeader("kid", k.KeyID))
			if err != nil {
				f.Fatal(err)
			}
			obj, err := s.Sign([]byte(`{"iss":"https://login.example.com","sub":"alice"}`))
			if err != nil {
				f.Fatal(err)
			}
			compact, _ := obj.CompactSerialize()
			f.Add([]byte(compact))
			f.Add([]byte(obj.FullSerialize()))
		}
	}
	pubs := &KeySet{Source: "fuzz"}
	for _, k := range keys {
		pk := k
		if !isSymmetric(k) {
			pk = k.Public()
		}
		pk.Algorithm = "" // the token's alg, within what the key type allows
		pubs.Keys = append(pubs.Keys, pk)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rs := Input(data, Source{}, Options{Now: at})
		if len(rs) != 1 || rs[0].Kind != KindJWS {
			return
		}
		r := rs[0]
		alg, _ := stringMember(r.HeaderMembers, "alg")
		kid, _ := stringMember(r.HeaderMembers, "kid")
		v := Verify(r, pubs, VerifyOptions{Profile: ProfileJOSE, Now: at})
		var key *jose.JSONWebKey
		for i := range pubs.Keys {
			if pubs.Keys[i].KeyID == kid && slices.Contains(KeyAlgorithms(pubs.Keys[i]), alg) {
				key = &pubs.Keys[i]
			}
		}
		joseOK := false
		if key != nil {
			if obj, err := parseSigned(r, alg); err == nil {
				if _, err := verifyWith(obj, key.Key); err == nil {
					joseOK = true
				}
			}
		}
		if v.Valid && !joseOK {
			t.Fatalf("oidc accepts what go-jose refuses: %q (checks %+v)", data, v.Checks)
		}
		if joseOK && !v.Valid {
			for _, c := range v.Failed() {
				if !slices.Contains(stricterOn, c.ID) {
					t.Fatalf("oidc refuses %q with %s (%s), go-jose accepts it", data, c.ID, c.Message)
				}
			}
		}
	})
}
