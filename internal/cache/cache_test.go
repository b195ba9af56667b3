package cache

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCacheRefusesSharedDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil {
		t.Fatal("a world-writable cache directory was used")
	}
}

func TestCacheEntries(t *testing.T) {
	c, err := Open(filepath.Join(t.TempDir(), "oidc"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	e := &Entry{URL: "https://a.example/jwks", Fetched: now, Expires: now.Add(100 * 24 * time.Hour), Body: json.RawMessage(`{"keys":[]}`)}
	if err := c.Put(e); err != nil {
		t.Fatal(err)
	}
	got, ok := c.Get(e.URL)
	if !ok || string(got.Body) != `{"keys":[]}` {
		t.Fatalf("got %+v %v", got, ok)
	}
	if got.Expires.After(now.Add(MaxAge)) {
		t.Errorf("a lifetime beyond %s was trusted: %s", MaxAge, got.Expires)
	}
	st, err := os.Stat(c.path(e.URL))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("entry mode %v: %v", st.Mode().Perm(), err)
	}
	// An entry others could have written is not used.
	if err := os.Chmod(c.path(e.URL), 0o666); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get(e.URL); ok {
		t.Error("a world-writable entry was used")
	}
	if _, ok := c.Get("https://other.example"); ok {
		t.Error("an entry for another URL")
	}
}

// Whatever a token cache file holds, Get never panics, and hands out
// only a set of the key asked for.
func FuzzTokensGet(f *testing.F) {
	f.Add([]byte(`{"version":1,"key":{"issuer":"https://i","client_id":"c","scopes":["openid"]},"access_token":"x"}`))
	f.Add([]byte(`{"version":1,"key":{"issuer":"https://other","client_id":"c","scopes":["openid"]},"access_token":"x"}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := OpenTokens(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		k := TokenKey{Issuer: "https://i", ClientID: "c", Scopes: []string{"openid"}}
		if err := os.WriteFile(s.Path(k), data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(k)
		if err == nil && got != nil && !got.Key.same(k) {
			t.Fatalf("handed out the set of %+v for %+v", got.Key, k)
		}
	})
}

// The key names a request, not the order it was written in: scopes and
// resources in any order find the same set; another scope does not.
func TestTokenKeyOrder(t *testing.T) {
	a := TokenKey{Issuer: "https://i", ClientID: "c", Scopes: []string{"openid", "email"}, Resource: []string{"r1", "r2"}}
	b := TokenKey{Issuer: "https://i", ClientID: "c", Scopes: []string{"email", "openid", "openid"}, Resource: []string{"r2", "r1"}}
	c := TokenKey{Issuer: "https://i", ClientID: "c", Scopes: []string{"openid"}, Resource: []string{"r1", "r2"}}
	if a.id() != b.id() || a.id() == c.id() {
		t.Fatalf("ids %s %s %s", a.id(), b.id(), c.id())
	}
}

// DPoP-bound and Bearer sets of one issuer, client and scope are two
// entries, as are sets bound to two keys; a Bearer key's file name is what
// it was before keys said DPoP, and a DPoP-bound set cached under it then
// is not handed to a Bearer caller.
func TestTokenKeyDPoP(t *testing.T) {
	plain := TokenKey{Issuer: "https://i", ClientID: "c", Scopes: []string{"openid"}}
	made, file := plain, plain
	made.DPoP, file.DPoP = "made", "key /home/u/dpop.jwk"
	if plain.id() == made.id() || made.id() == file.id() || plain.id() == file.id() {
		t.Fatalf("ids %s %s %s", plain.id(), made.id(), file.id())
	}
	// sha256 of "v1\nhttps://i\nc\nopenid\n\n", as before.
	if plain.id() != "697a7fd9348a7233604cadf711616a0f" {
		t.Fatalf("a Bearer key's file moved: %s", plain.id())
	}
	s, err := OpenTokens(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(&Tokens{Key: made, AccessToken: "bound", TokenType: "DPoP"}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(plain); got != nil || err != nil {
		t.Fatalf("a Bearer key found %+v, %v", got, err)
	}
	if got, err := s.Get(file); got != nil || err != nil {
		t.Fatalf("another key's DPoP entry found %+v, %v", got, err)
	}
	// As an older oidc cached it: the DPoP set under the Bearer key.
	if err := s.Put(&Tokens{Key: plain, AccessToken: "bound", TokenType: "DPoP"}); err != nil {
		t.Fatal(err)
	}
	var ce *CorruptError
	if got, err := s.Get(plain); got != nil || !errors.As(err, &ce) {
		t.Fatalf("a DPoP-bound set went to a Bearer caller: %+v, %v", got, err)
	}
}
