package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	for _, ok := range []string{"work", "a", "dev-1", "okta.prod", "x_y", strings.Repeat("a", 64)} {
		if err := ValidName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-x", ".x", "a b", "a/b", "é", strings.Repeat("a", 65), "a\n"} {
		if ValidName(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Save keeps the other profiles and the comments, and Load reads back
// what Save wrote.
func TestSaveRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "oidc", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("# mine\nprofiles:\n  keep:\n    issuer: https://a.example # here\n    client_id: a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &Profile{Issuer: "https://b.example", ClientID: "b", ClientSecret: &Secret{Command: []string{"pass", "show", "b"}},
		Scope: "openid offline_access", Resource: []string{"https://api"}, Port: 8250, Params: map[string]string{"acr_values": "mfa"}, DPoP: true}
	if err := Save(path, "new", p); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "# mine") || !strings.Contains(string(data), "# here") {
		t.Fatalf("comments lost:\n%s", data)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Profile("new")
	if err != nil {
		t.Fatal(err)
	}
	if got.Issuer != p.Issuer || got.Port != 8250 || !got.DPoP || got.Params["acr_values"] != "mfa" || strings.Join(got.ClientSecret.Command, " ") != "pass show b" || got.Resource[0] != "https://api" {
		t.Fatalf("read back %+v", got)
	}
	if k, _ := f.Profile("keep"); k == nil || k.ClientID != "a" {
		t.Fatalf("the other profile: %+v", k)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
}

// Bad input never panics: every file either loads or is one Error.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{"profiles:\n  a:\n    issuer: x\n", "profiles: [1]\n", ":", "profiles:\n  a:\n    client_secret: {env: X}\n", "profiles:\n  a:\n    port: -1\n", "\t"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data string) {
		path := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(path); err != nil && !strings.HasPrefix(err.Error(), path) {
			t.Fatalf("error without the file name: %v", err)
		}
	})
}

// Values that YAML would read as numbers or booleans come back as the
// strings they were.
func TestSaveQuotesAmbiguousStrings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	p := &Profile{Issuer: "https://i.example", ClientID: "true", Scope: "1234", ClientSecret: &Secret{Value: "0x10"}, Params: map[string]string{"n": "null"}}
	if err := Save(path, "p", p); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got := f.Profiles["p"]
	if got.ClientID != "true" || got.Scope != "1234" || got.ClientSecret.Value != "0x10" || got.Params["n"] != "null" {
		t.Fatalf("read back %+v %+v", got, got.ClientSecret)
	}
}
