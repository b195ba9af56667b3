package cmd

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/oidcdev/oidc/internal/testprovider"
)

// fakeBrowser is what the tests put in $BROWSER: the test binary, acting as
// a person at a browser without JavaScript. It logs in on the provider's
// pages and follows the redirect to oidc's listener. Its environment says
// what to do: FAKE_BROWSER_DENY (cancel), FAKE_BROWSER_FORGE (first send a
// forged callback), FAKE_BROWSER_ISS (rewrite the callback's iss),
// FAKE_BROWSER_STATE (rewrite the callback's state, and send only that),
// FAKE_BROWSER_INSECURE (trust a test issuer's certificate).
func fakeBrowser() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: fake-browser URL")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ch := testprovider.Choices{User: "alice", Deny: os.Getenv("FAKE_BROWSER_DENY") != "", InsecureTLS: os.Getenv("FAKE_BROWSER_INSECURE") != ""}
	cb, err := testprovider.AuthorizeWith(ctx, os.Args[1], ch)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake-browser:", err)
		os.Exit(1)
	}
	if cb == nil {
		return // form_post: already delivered
	}
	if os.Getenv("FAKE_BROWSER_FORGE") != "" {
		forged := *cb
		q := forged.Query()
		q.Set("state", "forged-state")
		q.Set("code", "forged-code")
		forged.RawQuery = q.Encode()
		visit(forged.String())
	}
	if iss := os.Getenv("FAKE_BROWSER_ISS"); iss != "" {
		q := cb.Query()
		q.Set("iss", iss)
		cb.RawQuery = q.Encode()
	}
	if state := os.Getenv("FAKE_BROWSER_STATE"); state != "" {
		q := cb.Query()
		q.Set("state", state)
		cb.RawQuery = q.Encode()
	}
	visit(cb.String())
}

func visit(u string) {
	resp, err := http.Get(u)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake-browser:", err)
		os.Exit(1)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Fprintf(os.Stderr, "fake-browser: %s: %s\n", resp.Status, body)
}
