package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// TestManPagesUpToDate makes the manual pages from the command tree with
// cobra's generator and compares them with the ones oidc embeds; with
// OIDC_WRITE_MAN=1 it writes them instead.
var markdownEscaper = strings.NewReplacer(`\`, `\\`, "_", `\_`, "*", `\*`, "<", `\<`, ">", `\>`, "`", "\\`", "[", `\[`, "]", `\]`)

// escapeMarkdown escapes the text's markdown, but in code blocks (lines
// indented by a tab or four spaces), which markdown prints as they are.
func escapeMarkdown(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "\t") && !strings.HasPrefix(l, "    ") {
			lines[i] = markdownEscaper.Replace(l)
		}
	}
	return strings.Join(lines, "\n")
}

func TestManPagesUpToDate(t *testing.T) {
	root := newRootCmd(&IO{In: strings.NewReader(""), Out: &strings.Builder{}, Err: &strings.Builder{}, Getenv: func(string) string { return "" }}, &GlobalOptions{}, "")
	root.InitDefaultCompletionCmd() // as Execute adds it
	want := map[string][]byte{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		// Help topics (oidc help json) get no page: it would give them
		// the synopsis of a command that does not exist.
		if c != root && !c.IsAvailableCommand() {
			return
		}
		c.DisableAutoGenTag = true // its date would change every run
		// The generator reads the text as markdown: OIDC_SERVE_<FLAG> would
		// lose its <FLAG> as a tag and its _SERVE_ to italics.
		long := c.Long
		defer func() { c.Long = long }()
		c.Long = escapeMarkdown(long)
		date := manDateless
		var buf bytes.Buffer
		if err := doc.GenMan(c, &doc.GenManHeader{Section: "1", Date: &date, Source: "oidc", Manual: "oidc manual"}, &buf); err != nil {
			t.Fatal(err)
		}
		want[manPageName(c)] = buf.Bytes()
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if _, ok := want["oidc-login.1"]; !ok || len(want) < 20 {
		t.Fatalf("pages made: %d", len(want))
	}

	dir := "manpages"
	if os.Getenv("OIDC_WRITE_MAN") != "" {
		old, _ := filepath.Glob(filepath.Join(dir, "*.1"))
		for _, f := range old {
			os.Remove(f)
		}
		for name, page := range want {
			if err := os.WriteFile(filepath.Join(dir, name), page, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	var stale []string
	for name, page := range want {
		got, err := manFS.ReadFile("manpages/" + name)
		if err != nil || !bytes.Equal(got, page) {
			stale = append(stale, name)
		}
	}
	embedded, _ := filepath.Glob(filepath.Join(dir, "*.1"))
	for _, f := range embedded {
		if _, ok := want[filepath.Base(f)]; !ok {
			stale = append(stale, filepath.Base(f)+" (no such command)")
		}
	}
	// The Homebrew cask names each page.
	release, err := os.ReadFile("../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name := range want {
		if !bytes.Contains(release, []byte("- manpages/"+name+".gz\n")) {
			stale = append(stale, name+" (not in .goreleaser.yaml's homebrew_casks manpages)")
		}
	}
	slices.Sort(stale)
	if len(stale) > 0 {
		t.Fatalf("manual pages out of date with the commands: %s\nrun: OIDC_WRITE_MAN=1 go test ./cmd -run TestManPagesUpToDate", strings.Join(stale, ", "))
	}
}
