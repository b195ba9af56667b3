package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
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

// BenchmarkVerifyBatch is `oidc verify -` over a batch of ID tokens on
// stdin, in process: one line per token, and the --json documents. One
// op is one token.
func BenchmarkVerifyBatch(b *testing.B) {
	if dir := os.Getenv("OIDC_BENCH_CORPUS"); dir != "" {
		// The benchmark corpus of scripts/bench, as the command reads it
		// there: to tell the process's own costs from the command's.
		in, err := os.ReadFile(filepath.Join(dir, "rs256.10000.txt"))
		if err != nil {
			b.Fatal(err)
		}
		for _, mode := range []string{"lines", "json"} {
			b.Run("corpus/"+mode, func(b *testing.B) {
				args := []string{"verify", "--jwks", "@" + filepath.Join(dir, "jwks.json"), "--issuer", "https://issuer.example.com", "--audience", "bench-client", "-"}
				if mode == "json" {
					args = append(args, "--json")
				}
				for b.Loop() {
					o := &IO{In: bytes.NewReader(in), Out: io.Discard, Err: io.Discard, Getenv: func(string) string { return "" }}
					if code := Run(context.Background(), args, o); code != 0 {
						b.Fatalf("exit %d", code)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*10000), "ns/token")
			})
		}
		return
	}
	data, err := os.ReadFile("../decode/testdata/samples/keys.json")
	if err != nil {
		b.Fatal(err)
	}
	var keys jose.JSONWebKeySet
	if err := json.Unmarshal(data, &keys); err != nil {
		b.Fatal(err)
	}
	const n = 2000
	for _, k := range keys.Keys {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.Algorithm), Key: k.Key},
			(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.KeyID))
		if err != nil {
			b.Fatal(err)
		}
		var in bytes.Buffer
		for i := range n {
			obj, err := signer.Sign(fmt.Appendf(nil, `{"iss":"https://login.example.com","sub":"user-%d","aud":"oidc-cli","exp":1795604400,"iat":1795600800,"nonce":"n-%d","email":"user%d@example.com","name":"User %d"}`, i, i, i, i))
			if err != nil {
				b.Fatal(err)
			}
			tok, _ := obj.CompactSerialize()
			in.WriteString(tok + "\n")
		}
		for _, mode := range []string{"lines", "json"} {
			b.Run(k.Algorithm+"/"+mode, func(b *testing.B) {
				args := []string{"verify", "--jwks", "@../decode/testdata/samples/jwks.json", "--issuer", "https://login.example.com",
					"--client-id", "oidc-cli", "--time", "2026-11-25T10:30:00Z", "-"}
				if mode == "json" {
					args = append(args[:1], append([]string{"--json"}, args[1:]...)...)
				}
				for b.Loop() {
					o := &IO{In: bytes.NewReader(in.Bytes()), Out: io.Discard, Err: io.Discard, Getenv: func(string) string { return "" }}
					if code := Run(context.Background(), args, o); code != 0 {
						b.Fatalf("exit %d", code)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/token")
			})
		}
	}
}

// BenchmarkVerifyCommand is the in-process part of `oidc verify` of one
// token against a key set file.
func BenchmarkVerifyCommand(b *testing.B) {
	tok, err := os.ReadFile("../decode/testdata/samples/id-token.jwt")
	if err != nil {
		b.Fatal(err)
	}
	args := []string{"verify", "--jwks", "@../decode/testdata/samples/jwks.json", "--issuer", "https://login.example.com",
		"--client-id", "oidc-cli", "--time", "2026-11-25T10:30:00Z", strings.TrimSpace(string(tok))}
	o := &IO{In: bytes.NewReader(nil), Out: io.Discard, Err: io.Discard, Getenv: func(string) string { return "" }}
	for b.Loop() {
		if code := Run(context.Background(), args, o); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
