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
