package decode

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// vendorExpect is a fixture's expect.json: the findings a real issuer's
// published documents must produce, and only those.
type vendorExpect struct {
	IssuerURL string   `json:"issuer_url"` // what a user would give oidc discover
	WellKnown string   `json:"well_known"`
	Findings  []string `json:"findings"` // the metadata's findings, all of them
	Absent    []string `json:"absent"`   // ids that must appear in neither lint
	// Messages: for some ids, a phrase the finding's message must carry
	// (the vendor's explanation).
	Messages     map[string]string `json:"messages"`
	JWKSFindings *[]string         `json:"jwks_findings"` // the key set's findings, all of them; required with jwks.json
	Source       string            `json:"source"`
	Notes        string            `json:"notes"`
}

// vendorNow: the fixtures' certificates run to 2035 or later.
var vendorNow = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// TestVendorFixtures lints each vendor's discovery document and key set
// under testdata/issuers and pins the full set of findings.
func TestVendorFixtures(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "issuers", "*", "expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 13 {
		t.Fatalf("%d vendor fixtures, want the 13 or more of testdata/issuers", len(dirs))
	}
	for _, path := range dirs {
		dir := filepath.Dir(path)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			exp := readVendorExpect(t, path)
			raw, err := os.ReadFile(filepath.Join(dir, exp.WellKnown+".json"))
			if err != nil {
				t.Fatal(err)
			}
			fs := LintMetadata(raw, MetadataLint{Issuer: exp.IssuerURL, WellKnown: exp.WellKnown})
			got := ids(fs)
			checkExactIDs(t, "metadata", got, exp.Findings)
			for id, phrase := range exp.Messages {
				i := slices.IndexFunc(fs, func(f Finding) bool { return f.ID == id })
				if i < 0 || !strings.Contains(fs[i].Message, phrase) {
					t.Errorf("finding %s: want %q in its message, got %+v", id, phrase, fs)
				}
			}
			var jwksIDs []string
			set, err := os.ReadFile(filepath.Join(dir, "jwks.json"))
			switch {
			case err == nil && exp.JWKSFindings == nil:
				t.Fatal("jwks.json without jwks_findings in expect.json")
			case err == nil:
				l := LintJWKS(set, vendorNow)
				if len(l.Keys) == 0 {
					t.Fatal("the key set has no keys")
				}
				jwksIDs = ids(l.Findings)
				checkExactIDs(t, "jwks", jwksIDs, *exp.JWKSFindings)
			case !os.IsNotExist(err):
				t.Fatal(err)
			case exp.JWKSFindings != nil:
				t.Fatal("jwks_findings in expect.json without a jwks.json")
			}
			for _, id := range exp.Absent {
				if slices.Contains(got, id) || slices.Contains(jwksIDs, id) {
					t.Errorf("finding %s must be absent: metadata %v, jwks %v", id, got, jwksIDs)
				}
			}
		})
	}
}

func readVendorExpect(t *testing.T, path string) vendorExpect {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var exp vendorExpect
	if err := dec.Decode(&exp); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if exp.IssuerURL == "" || exp.Source == "" || exp.Findings == nil {
		t.Fatalf("%s: issuer_url, findings and source are required", path)
	}
	if exp.WellKnown != WellKnownOpenID && exp.WellKnown != WellKnownOAuth {
		t.Fatalf("%s: well_known %q", path, exp.WellKnown)
	}
	for _, id := range exp.Absent {
		if slices.Contains(exp.Findings, id) || exp.JWKSFindings != nil && slices.Contains(*exp.JWKSFindings, id) {
			t.Fatalf("%s: %s is both expected and absent", path, id)
		}
	}
	return exp
}

// checkExactIDs: every wanted id found, and nothing else.
func checkExactIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	for _, id := range want {
		if !slices.Contains(got, id) {
			t.Errorf("%s: %s missing from %v", what, id, got)
		}
	}
	for _, id := range got {
		if !slices.Contains(want, id) {
			t.Errorf("%s: unexpected finding %s (want exactly %v)", what, id, want)
		}
	}
}
