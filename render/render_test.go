package render

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/oidcdev/oidc/decode"

	"rsc.io/qr"
)

var ownLine = regexp.MustCompile(`^(HEADER|PAYLOAD|SIGNATURE|WHY|WARNINGS|ERROR|ENCRYPTED|PLAINTEXT|OPAQUE|DISCLOSURES|TOKEN RESPONSE|CALLBACK|CHECKS|VALID.*|INVALID.*|decrypted, inside:|(token|[a-z_]+)( \((line|argument) \d+\))?  .*)$`)

var at = time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)

func TestSanitize(t *testing.T) {
	tests := map[string]string{
		"plain":              "plain",
		"a\x1b[31mred":       `a\x1b[31mred`,
		"bell\a":             `bell\a`,
		"c1 \u009b2J":        `c1 \u009b2J`,
		"rtl \u202eevil":     `rtl \u202eevil`,
		"multi\nline":        `multi\nline`,
		"sub\u200b":          `sub\u200b`,
		"bom\ufeff":          `bom\ufeff`,
		"bad utf8 \xff":      "bad utf8 \ufffd",
		"emoji 🔑 and ü fine": "emoji 🔑 and ü fine",
	}
	for in, want := range tests {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPlainThemeHasNoEscapes(t *testing.T) {
	var out bytes.Buffer
	p := NewPrinter(&out, NewTheme(&out, false), 0)
	data, err := os.ReadFile("../decode/testdata/samples/token-response.json")
	if err != nil {
		t.Fatal(err)
	}
	p.Decoded(decode.Input(data, decode.Source{}, decode.Options{Now: at}))
	p.Flush()
	if bytes.ContainsRune(out.Bytes(), 0x1b) {
		t.Fatalf("escape sequence in plain output:\n%q", out.String())
	}
	for _, want := range []string{"TOKEN RESPONSE", "access_token  JWS · ES256", "expires in 30m", "id_token  JWS · RS256"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	out.Reset()
	p = NewPrinter(&out, NewTheme(&out, true), 0)
	p.Decoded(decode.Input(data, decode.Source{}, decode.Options{Now: at}))
	p.Flush()
	if !bytes.Contains(out.Bytes(), []byte("\x1b[")) {
		t.Fatal("colour theme printed no colour")
	}
}

func TestJQ(t *testing.T) {
	var out bytes.Buffer
	jq, err := CompileJQ(`.a, .b, .n, .s[]`)
	if err != nil {
		t.Fatal(err)
	}
	w := NewJSONWriter(&out, jq, false)
	doc := map[string]any{"a": "text", "b": map[string]any{"x": 1}, "n": json.Number("12345678901234567890123"), "s": []string{"<&>"}}
	if err := w.Write(context.Background(), doc); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	want := "text\n{\"x\":1}\n12345678901234567890123\n<&>\n"
	if out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
	if _, err := CompileJQ(".a |"); err == nil {
		t.Fatal("bad expression compiled")
	}
}

// FuzzRender: decoding and printing anything never panics, and nothing from
// the input reaches a terminal as an escape sequence.
func FuzzRender(f *testing.F) {
	files, _ := filepath.Glob("../decode/testdata/vectors/*/token")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data, uint8(80))
		}
	}
	f.Add([]byte("eyJhbGciOiJub25lIn0.eyJuYW1lIjoiXHUwMDFiXTA7eCJ9."), uint8(0))
	f.Add([]byte(`{"access_token":"x\u001b[2Jyyyyyyyyyyyyyyyyy","scope":"\u009b"}`), uint8(30))
	f.Fuzz(func(t *testing.T, data []byte, width uint8) {
		results := decode.Input(data, decode.Source{}, decode.Options{Now: at})
		var out bytes.Buffer
		p := NewPrinter(&out, NewTheme(&out, false), int(width))
		p.Decoded(results)
		p.Flush()
		if bytes.ContainsRune(out.Bytes(), 0x1b) || bytes.ContainsRune(out.Bytes(), '\u009b') {
			t.Fatalf("escape from input reached the output: %q", out.String())
		}
		// Every line oidc does not indent is one of its own headings: a
		// line break inside a token cannot forge one.
		for _, l := range strings.Split(out.String(), "\n") {
			if l != "" && l[0] != ' ' && !ownLine.MatchString(l) {
				t.Fatalf("line not made by oidc: %q", l)
			}
		}
		if utf8.Valid(data) && !utf8.Valid(out.Bytes()) {
			t.Fatalf("invalid UTF-8 output")
		}
	})
}

// TestQRLines: the half blocks draw exactly the code's modules, light on
// dark, inside a quiet zone.
func TestQRLines(t *testing.T) {
	const s = "https://issuer.example/device?user_code=WDJB-MJHT"
	code, err := qr.Encode(s, qr.L)
	if err != nil {
		t.Fatal(err)
	}
	lines := qrLines(s)
	n := code.Size + 4
	if len(lines) != (n+1)/2 {
		t.Fatalf("%d lines for %d modules", len(lines), n)
	}
	for row, l := range lines {
		cells := []rune(l)
		if len(cells) != n {
			t.Fatalf("line %d has %d cells, want %d", row, len(cells), n)
		}
		for x, c := range cells {
			for half, y := range []int{2 * row, 2*row + 1} {
				if y >= n {
					continue
				}
				lightWant := x < 2 || y < 2 || x >= code.Size+2 || y >= code.Size+2 || !code.Black(x-2, y-2)
				lightGot := c == '█' || half == 0 && c == '▀' || half == 1 && c == '▄'
				if lightWant != lightGot {
					t.Fatalf("module (%d,%d): light %v, drawn %q", x, y, lightWant, c)
				}
			}
		}
	}
}

// Verify's checks fit the terminal: long messages and hints wrap at
// spaces, under their column.
func TestChecksFitWidth(t *testing.T) {
	long := strings.Repeat("a long explanation of what went wrong ", 6)
	v := &decode.Verification{Profile: "id", Checks: []decode.Check{
		{ID: "signature", Status: decode.Fail, Message: long, Hint: long, Found: "x", Expected: "y"},
		{ID: "exp", Status: decode.Pass, Message: "expires in 1h"},
	}}
	for _, width := range []int{60, 80} {
		var b strings.Builder
		p := NewPrinter(&b, NewTheme(&b, false), width)
		p.checks(v)
		if err := p.Flush(); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
			if n := utf8.RuneCountInString(l); n > width {
				t.Errorf("width %d: a line of %d: %q", width, n, l)
			}
		}
		if !strings.Contains(b.String(), "hint: a long explanation") {
			t.Errorf("no hint:\n%s", b.String())
		}
	}
}

// A decoded token fits the terminal at 60 and 80 columns: values wrap,
// and descriptions moved under their value wrap at spaces.
func TestDecodeFitsWidth(t *testing.T) {
	data, err := os.ReadFile("../decode/testdata/samples/id-token.jwt")
	if err != nil {
		t.Fatal(err)
	}
	rs := decode.Input(data, decode.Source{}, decode.Options{Now: time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)})
	for _, width := range []int{60, 80} {
		var b strings.Builder
		p := NewPrinter(&b, NewTheme(&b, false), width)
		p.Decoded(rs)
		if err := p.Flush(); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
			if n := utf8.RuneCountInString(l); n > width {
				t.Errorf("width %d: a line of %d: %q", width, n, l)
			}
		}
	}
}

// On a terminal the description column is one column: a row too wide for
// it (a time and how long ago) puts its description under the value.
func TestDescriptionsAligned(t *testing.T) {
	data, err := os.ReadFile("../decode/testdata/samples/id-token.jwt")
	if err != nil {
		t.Fatal(err)
	}
	rs := decode.Input(data, decode.Source{}, decode.Options{Now: time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)})
	var b strings.Builder
	p := NewPrinter(&b, NewTheme(&b, false), 160)
	p.Decoded(rs)
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	// Descriptions beside their values start in one column.
	beside := map[int]bool{}
	for _, l := range strings.Split(b.String(), "\n") {
		for _, d := range []string{"Issuer: who made", "Subject: the user", "Expiration time", "Issued at (RFC", "Audience: who"} {
			if i := strings.Index(l, d); i >= 0 && strings.TrimSpace(l[:i]) != "" {
				beside[utf8.RuneCountInString(l[:i])] = true
			}
		}
	}
	if len(beside) != 1 {
		t.Fatalf("descriptions beside their values start at %d columns:\n%s", len(beside), b.String())
	}
}
