package cache

import (
	"encoding/json"
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
