package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os/exec"
	"strings"
	"time"
)

// oidc serve is started once per test or CI job, so the time from its
// start to the first answer of discovery is what a job waits (goal: a
// median within 25 ms).
const serveStartOp = "oidc serve: start to the first discovery answer"

// serveStart times `oidc serve --port 0` from the exec to a 200 from its
// discovery document, polling as a CI job's wait loop would, beside the
// start of a hello-world process.
func (b *bench) serveStart() {
	rows := []*row{
		{tool: "hello-world Go (lower bound)", floor: true, make: func() *exec.Cmd { return exec.Command(b.hello) }},
		{tool: "oidc serve --port 0", oidc: true, note: "until GET /.well-known/openid-configuration is 200, polled every 1 ms"},
	}
	for _, r := range rows {
		r.op = serveStartOp
	}
	log.Printf("%s: %d runs", serveStartOp, b.runs)
	b.roundRobin(rows[:1], b.runs)
	client := &http.Client{Timeout: 2 * time.Second}
	for range b.runs {
		d, err := timeServeStart(b.oidc, client)
		if err != nil {
			rows[1].failed = err.Error()
			break
		}
		rows[1].runs = append(rows[1].runs, d)
	}
	b.rows = append(b.rows, rows...)
}

func timeServeStart(oidc string, client *http.Client) (time.Duration, error) {
	start := time.Now()
	c := exec.Command(oidc, "serve", "--port", "0")
	out, err := c.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := c.Start(); err != nil {
		return 0, err
	}
	defer func() {
		c.Process.Kill()
		c.Wait()
	}()
	first, err := bufio.NewReader(out).ReadString('\n')
	go io.Copy(io.Discard, out)
	issuer, ok := strings.CutPrefix(strings.TrimSpace(first), "OIDC_ISSUER=")
	if err != nil || !ok {
		return 0, fmt.Errorf("oidc serve: first line %q: %v", first, err)
	}
	for time.Since(start) < 5*time.Second {
		resp, err := client.Get(issuer + "/.well-known/openid-configuration")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	return 0, errors.New("oidc serve: discovery did not answer within 5s")
}
