// Command gojose is a reference for batch verification: one process that
// reads tokens from stdin, one per line, and verifies each with go-jose
// alone (parse, pick the key by kid, check the signature) on every core.
// No claims are checked and nothing is printed per token, so its time is
// what any Go verifier pays for the process, the reading and the
// signatures.
//
//	gojose JWKS ALG < tokens
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sync"

	"github.com/go-jose/go-jose/v4"
)

func main() {
	if len(os.Args) != 3 {
		fail(fmt.Errorf("usage: gojose JWKS ALG < tokens"))
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(data, &set); err != nil {
		fail(err)
	}
	algs := []jose.SignatureAlgorithm{jose.SignatureAlgorithm(os.Args[2])}
	lines := make(chan []string, 64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	verified := 0
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for batch := range lines {
				for _, tok := range batch {
					obj, err := jose.ParseSignedCompact(tok, algs)
					if err != nil {
						fail(err)
					}
					keys := set.Key(obj.Signatures[0].Header.KeyID)
					if len(keys) == 0 {
						fail(fmt.Errorf("no key %q", obj.Signatures[0].Header.KeyID))
					}
					if _, err := obj.Verify(keys[0].Key); err != nil {
						fail(err)
					}
					n++
				}
			}
			mu.Lock()
			verified += n
			mu.Unlock()
		}()
	}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var batch []string
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		batch = append(batch, sc.Text())
		if len(batch) == 32 {
			lines <- batch
			batch = nil
		}
	}
	if err := sc.Err(); err != nil {
		fail(err)
	}
	lines <- batch
	close(lines)
	wg.Wait()
	fmt.Println(verified, "verified")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gojose:", err)
	os.Exit(1)
}
