package cmd

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
)

// BenchmarkDecodeCommand is the in-process part of `oidc decode TOKEN`:
// command tree, decoding and rendering (process start-up is measured by
// scripts/bench).
func BenchmarkDecodeCommand(b *testing.B) {
	tok, err := os.ReadFile("../decode/testdata/samples/id-token.jwt")
	if err != nil {
		b.Fatal(err)
	}
	token := strings.TrimSpace(string(tok))
	for _, args := range [][]string{{"decode", token}, {"decode", "--json", token}, {"version"}} {
		b.Run(strings.Join(args[:len(args)-1], " ")+"_"+args[len(args)-1][:min(7, len(args[len(args)-1]))], func(b *testing.B) {
			o := &IO{In: bytes.NewReader(nil), Out: io.Discard, Err: io.Discard, Getenv: func(string) string { return "" }}
			for b.Loop() {
				if code := Run(context.Background(), args, o); code != 0 {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}
