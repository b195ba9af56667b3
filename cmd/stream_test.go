package cmd

import (
	"bufio"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// TestBatchStreams: tokens read from a pipe that stays open (tail -f
// tokens.log | oidc verify -) get their output as soon as each is done, not
// when the input ends or an output buffer fills; for verify and decode.
func TestBatchStreams(t *testing.T) {
	for _, tc := range []struct {
		args []string
		mark string // one per token in the output
	}{
		{[]string{"verify", "--jwks", "@../decode/testdata/samples/jwks.json", "--issuer", "https://login.example.com",
			"--client-id", "oidc-cli", "--time", "2026-11-25T10:30:00Z", "-"}, "valid"},
		{[]string{"decode", "--time", "2026-11-25T10:30:00Z", "-"}, "JWS · RS256"},
		{[]string{"decode", "--json", "-"}, `"kind":"jws"`},
	} {
		t.Run(strings.Join(tc.args[:2], " "), func(t *testing.T) { streams(t, tc.args, tc.mark) })
	}
}

func streams(t *testing.T, args []string, mark string) {
	data, err := os.ReadFile("../decode/testdata/samples/id-token.jwt")
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(data)) + "\n"
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	o := &IO{In: inR, Out: outW, Err: io.Discard, Getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, args, o)
		outW.Close()
	}()
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	expect := func(n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("the output ended")
				}
				if !strings.Contains(l, mark) {
					i-- // another line of the same token
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("result %d of %d did not come out while the input stayed open", i+1, n)
			}
		}
	}
	// Two lines make a batch; each later line gets its result at once.
	io.WriteString(inW, token+token)
	expect(2)
	io.WriteString(inW, token)
	expect(1)
	inW.Close()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after the input ended")
	}
}
