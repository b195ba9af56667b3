package cmd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/flow"
	"github.com/oidcdev/oidc/render"
)

// VerifyOptions are the flags and arguments of `oidc verify`.
type VerifyOptions struct {
	Global *GlobalOptions
	Inputs []string
	Client clientFlags
	Net    networkFlags
	Checks checkFlags
	Output outputFlags
	Assert assertFlags

	JWKS, Key, Secret, DecryptKey string
	Nonce, AccessToken            string
	Code, Type, Time              string
	ACR, Algs                     []string
	Offline                       bool
}

func newVerifyCmd(io *IO, g *GlobalOptions) *cobra.Command {
	opts := &VerifyOptions{Global: g}
	c := &cobra.Command{
		Use:   "verify [TOKEN | @FILE | -]...",
		Short: "Verify a token: every OIDC, JWT and RFC 9068 check, one by one, with reasons and hints",
		Long: `Verify runs every check of OIDC Core 3.1.3.7, RFC 7519, RFC 9068 and RFC 8725
on a token and reports each one with what it found, what it expected and the
most likely cause of a failure.

Keys come from the issuer's discovery document (--issuer), a JWKS (--jwks URL
or @FILE), a key file (--key: PEM, JWK or JWKS), or an HMAC secret (--secret,
or $OIDC_SECRET). Never from the token itself: jku, x5u and embedded keys are
reported and ignored. With no key flag the issuer is taken from the token's own
iss (https only) and the output says it was not pinned.

The algorithm comes from the key (and --alg, and the issuer's metadata), never
from the token alone: alg none is always refused, an HMAC token is never
checked with a public key.

An encrypted token (JWE) is decrypted with --decrypt-key and shown as it
decrypted: a signed token inside is verified with the keys given for it;
anything else is shown as claims or text (up to 4 KiB) or hex (1 KiB), its claims
checked, and its signature check says whether its key management proves who
made it (a shared key does, encryption to a public key does not).

Profiles (--type): id (OIDC ID token), access (RFC 9068 access token), logout
(back-channel logout token), or auto, which decides from typ and claims and
says why.

With several tokens (one per line on stdin, or several arguments) each is
verified, in parallel on all cores, and reported in input order; keys are
fetched once. Discovery documents and key sets are cached in the user cache
directory, honouring Cache-Control within 1 minute and 1 day.`,
		Example: `  # an ID token from your login, against its issuer
  oidc verify --issuer https://accounts.google.com --client-id 1234.apps.googleusercontent.com \
      --nonce n-0S6_WzA2Mj "$ID_TOKEN"

  # an access token for your API, keys from a file, at a given instant
  oidc verify --type access --audience https://api.example.com --jwks @jwks.json \
      --time 2026-11-25T10:30:00Z "$ACCESS_TOKEN"

  # the sample tokens of this repository
  oidc verify --issuer https://login.example.com --client-id oidc-cli \
      --jwks @decode/testdata/samples/jwks.json --time 2026-11-25T10:30:00Z \
      @decode/testdata/samples/id-token.jwt

  # scripts: the failed check ids, or a whole batch
  oidc verify --jq '.checks[] | select(.status == "fail") | .id' --issuer "$ISS" "$TOKEN"
  oidc verify --json --issuer "$ISS" - < tokens.txt`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Inputs = args
			return runVerify(c.Context(), opts, io)
		},
	}
	f := c.Flags()
	opts.Client.add(f, false)
	f.StringVar(&opts.JWKS, "jwks", "", "key set: a `URL` or @FILE")
	f.StringVar(&opts.Key, "key", "", "key `file`: PEM public key or certificate, JWK or JWKS")
	f.StringVar(&opts.Secret, "secret", "", "HMAC `secret`, or @FILE (default $OIDC_SECRET)")
	f.StringVar(&opts.DecryptKey, "decrypt-key", "", decryptKeyHelp)
	opts.Checks.add(f)
	f.StringVar(&opts.Nonce, "nonce", "", "the nonce sent in the authorization request")
	f.StringSliceVar(&opts.ACR, "acr", nil, "acceptable acr values")
	f.StringVar(&opts.AccessToken, "access-token", "", "the access token issued with the ID token, to check at_hash")
	f.StringVar(&opts.Code, "code", "", "the authorization code, to check c_hash")
	f.StringVar(&opts.Type, "type", "auto", "profile: id, access, logout, userinfo, jose (the signature and encryption only: any payload) or auto")
	f.StringVar(&opts.Time, "time", "", timeHelp)
	f.StringSliceVar(&opts.Algs, "alg", nil, "acceptable algorithms (default: what the key allows)")
	f.BoolVar(&opts.Offline, "offline", false, "use only cached discovery documents and key sets")
	opts.Net.add(f)
	// --timeout was verify's request timeout; everywhere else it is how
	// long to wait for the user. Kept working, with a pointer.
	f.DurationVar(&opts.Net.HTTPTimeout, "timeout", flow.DefaultTimeout, "timeout of each request to the issuer")
	deprecatedAlias(c, io, g, "timeout", "http-timeout")
	opts.Output.add(f, true)
	opts.Assert.add(f)
	return c
}

// verifyOptionFlags name the flags that give each input of a verification.
var verifyOptionFlags = withOptionFlags(map[string]string{
	"nonce": "--nonce", "acr": "--acr", "access_token": "--access-token", "code": "--code", "type": "--type",
	"jwks": "--jwks", "key": "--key", "secret": "--secret", "decrypt_key": "--decrypt-key", "time": "--time", "alg": "--alg",
})

// MaxVerifyToken bounds what verify parses: real tokens stay under a few
// tens of KiB, and request headers under 8 KiB to 64 KiB.
const MaxVerifyToken = 1 << 20

// verifyRun holds what every token of a run shares.
type verifyRun struct {
	opts  *VerifyOptions
	base  decode.VerifyOptions
	keys  *flow.KeySource
	dopts decode.Options
	sess  *session
	// asserts: --assert, run by the workers on each verification.
	asserts render.Assertions
}

func runVerify(ctx context.Context, opts *VerifyOptions, io *IO) error {
	run, err := newVerifyRun(ctx, opts, io)
	if err != nil {
		return err
	}
	defer run.sess.close()
	jq, err := opts.Output.jq()
	if err != nil {
		return err
	}
	units, batch, err := inputUnits(ctx, opts.Inputs, io)
	if err != nil {
		return err
	}
	if batch {
		batchGC(io)
	}

	var out outcome
	errTheme := io.ErrTheme(opts.Global)
	var jw *render.JSONWriter
	var p *render.Printer
	work := run.verifyUnit
	if opts.Output.structured() {
		jw = render.NewJSONWriter(io.Out, jq, io.OutTTY)
		// JSON is encoded by the workers, in parallel; emit only writes.
		work = func(ctx context.Context, u unit) unitResult {
			res := run.verifyUnit(ctx, u)
			for _, v := range res.verifications {
				var err error
				if res.encoded, err = jw.AppendEncoded(ctx, res.encoded, v); err != nil {
					res.encodeErr = err
					break
				}
			}
			return res
		}
	} else {
		p = render.NewPrinter(io.Out, io.OutTheme(opts.Global), io.Width)
	}
	first := true
	emit := func(u unitResult) error {
		for _, e := range u.errors {
			out.note(e.code)
			render.ErrorLine(io.Err, errTheme, "verify: "+e.msg)
		}
		if u.encodeErr != nil {
			return &ExitError{Code: ExitUsage, Err: u.encodeErr}
		}
		for _, v := range u.verifications {
			if !v.Valid {
				out.note(ExitCheckFailed)
			}
			switch {
			case jw != nil:
			case batch:
				p.VerificationLine(strings.TrimSuffix(where(v.Token), ": "), v)
			default:
				if !first {
					p.Line()
				}
				p.Verification(v, opts.Output.Quiet)
			}
			first = false
		}
		var err error
		if jw != nil {
			if err = jw.WriteEncoded(u.encoded); err == nil && !batch {
				err = jw.Flush()
			}
		} else if !batch {
			err = p.Flush()
		}
		if err != nil {
			return outputError(err)
		}
		return nil
	}
	// A batch's output is flushed whenever the pipeline has caught up
	// with its input: a long file goes out in large writes, and a trickle
	// (tail -f tokens.log | oidc verify -) shows each result as it comes.
	flush := func() error { return flushOutput(jw, p) }
	if !batch && len(units) <= 1 {
		// One token: no workers to start (and nothing that waits on ctx,
		// so no signal handler either, unless keys are fetched).
		for u := range units {
			if err := emit(work(ctx, u)); err != nil {
				return err
			}
		}
	} else if err := pipeline(ctx, units, work, emit, flush); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if out.code != 0 {
		return &ExitError{Code: out.code, Silent: true, Err: errors.New("verification failed")}
	}
	return nil
}

func newVerifyRun(ctx context.Context, opts *VerifyOptions, io *IO) (*verifyRun, error) {
	run := &verifyRun{opts: opts}
	var err error
	if run.asserts, err = opts.Assert.compile(); err != nil {
		return nil, err
	}
	if err := opts.Client.resolve(ctx, io); err != nil {
		return nil, err
	}
	maxAge, err := opts.Checks.maxAge()
	if err != nil {
		return nil, err
	}
	b := &run.base
	b.Flags = verifyOptionFlags
	b.Issuer, b.IssuerPinned, b.ClientID, b.Audience, b.Nonce = opts.Client.Issuer, opts.Client.Issuer != "", opts.Client.ClientID, opts.Checks.Audience, opts.Nonce
	b.ACR, b.AccessToken, b.Code, b.Leeway, b.Algorithms, b.MaxAge = opts.ACR, opts.AccessToken, opts.Code, opts.Checks.Leeway, opts.Algs, maxAge
	switch opts.Type {
	case "auto", "":
	case decode.ProfileID, decode.ProfileAccess, decode.ProfileLogout, decode.ProfileUserinfo, decode.ProfileJOSE:
		b.Profile = opts.Type
	default:
		return nil, usageError("--type %q: use id, access, logout, userinfo, jose or auto", opts.Type)
	}
	if opts.Time != "" {
		t, err := parseInstant(opts.Time)
		if err != nil {
			return nil, usageError("--time: %v", err)
		}
		b.Now = t
		run.dopts.Now = t
	}
	ks := &flow.KeySource{Issuer: opts.Client.Issuer}
	secret := opts.Secret
	// $OIDC_SECRET only when no other key source is named: it must not
	// silently replace the keys of a pinned issuer.
	if secret == "" && opts.Key == "" && opts.JWKS == "" && opts.Client.Issuer == "" {
		secret = io.Getenv("OIDC_SECRET")
	}
	sources := 0
	for _, s := range []string{secret, opts.Key, opts.JWKS} {
		if s != "" {
			sources++
		}
	}
	if sources > 1 {
		return nil, usageError("give one key source: --jwks, --key or --secret")
	}
	switch {
	case secret != "":
		data, err := secretValue(ctx, "--secret", secret)
		if err != nil {
			return nil, err
		}
		ks.Static = decode.SecretKeySet([]byte(data), "--secret")
	case opts.Key != "":
		if ks.Static, err = keyFile(ctx, opts.Key, "--key"); err != nil {
			return nil, err
		}
	case strings.HasPrefix(opts.JWKS, "@"):
		if ks.Static, err = keyFile(ctx, opts.JWKS, "--jwks"); err != nil {
			return nil, err
		}
	case opts.JWKS != "":
		ks.JWKSURL = opts.JWKS
	}
	// Keys given in full need no cache: nothing is fetched.
	sess, err := opts.Net.client(io, opts.Global, opts.Offline, ks.Static == nil)
	if err != nil {
		return nil, err
	}
	run.sess, ks.Client = sess, sess.client
	if ks.JWKSURL != "" {
		if _, err := sess.client.CheckURL(ks.JWKSURL); err != nil {
			return nil, usageError("--jwks: %v", err)
		}
	}
	if opts.Client.Issuer != "" {
		if _, err := sess.client.CheckURL(opts.Client.Issuer); err != nil {
			return nil, usageError("--issuer: %v", err)
		}
	}
	if opts.DecryptKey != "" {
		if b.DecryptionKey, err = decryptionKeyFile(ctx, opts.DecryptKey); err != nil {
			return nil, err
		}
	}
	run.keys = ks
	return run, nil
}

func keyFile(ctx context.Context, arg, flag string) (*decode.KeySet, error) {
	data, err := readFileFlag(ctx, flag, arg)
	if err != nil {
		return nil, err
	}
	path := filePath(arg)
	ks, err := decode.ParseKeys(data, "file "+path)
	if err != nil {
		return nil, usageError("%s %s: %v", flag, path, err)
	}
	return ks, nil
}

// outcome keeps the exit code: network errors outrank bad input, which
// outranks failed checks.
type outcome struct{ code int }

func (o *outcome) note(code int) {
	rank := map[int]int{ExitCheckFailed: 1, ExitUsage: 2, ExitNetwork: 3}
	if rank[code] > rank[o.code] {
		o.code = code
	}
}

// oneUnit is an input of one unit.
func oneUnit(u unit) <-chan unit {
	ch := make(chan unit, 1)
	ch <- u
	close(ch)
	return ch
}

// unit is one piece of input: an argument, or a line of stdin.
type unit struct {
	index int
	data  []byte
	src   decode.Source
	err   error // the input could not be read here
}

type unitError struct {
	code int
	msg  string
}

type unitResult struct {
	index         int
	verifications []*decode.Verification
	errors        []unitError
	encoded       []byte // --json/--jq output, rendered by the worker
	encodeErr     error
}

// verifyUnit decodes one unit and verifies every token in it. Codes and
// opaque refresh tokens of a token response are not tokens to verify.
func (run *verifyRun) verifyUnit(ctx context.Context, u unit) unitResult {
	res := unitResult{index: u.index}
	if u.err != nil {
		res.errors = append(res.errors, unitError{ExitUsage, u.err.Error()})
		return res
	}
	if len(u.data) > MaxVerifyToken {
		// Refused before any parsing: nothing that large is a real token.
		res.errors = append(res.errors, unitError{ExitUsage, fmt.Sprintf("the token is %.1f MiB: over the %d MiB limit of a token to verify", float64(len(u.data))/(1<<20), MaxVerifyToken>>20)})
		return res
	}
	results := decode.Input(u.data, u.src, run.dopts)
	// A whole token response or callback: the ID token's at_hash and
	// c_hash are checked against the access token and code beside it.
	var siblings tokenSiblings
	for _, r := range results {
		switch r.Label {
		case "access_token":
			siblings.accessToken = r.Raw
		case "code":
			siblings.code = r.Raw
		}
	}
	for _, r := range results {
		if r.Failed() && r.Kind == decode.KindInvalid || r.Failed() && r.Claims == nil && r.Kind != decode.KindJWE {
			res.errors = append(res.errors, unitError{ExitUsage, where(r) + r.Error.Message})
			continue
		}
		if r.Kind == decode.KindOpaque {
			if r.Label == "" {
				res.errors = append(res.errors, unitError{ExitUsage, where(r) + "an opaque token carries nothing to verify locally: ask the issuer (token introspection, RFC 7662)"})
			}
			continue
		}
		v := run.verifyToken(ctx, r, &res, siblings)
		res.verifications = append(res.verifications, v)
		msgs, err := run.asserts.Failures(ctx, v)
		if err != nil {
			res.errors = append(res.errors, unitError{ExitUsage, where(r) + err.Error()})
		}
		for _, m := range msgs {
			res.errors = append(res.errors, unitError{ExitCheckFailed, where(r) + m})
		}
	}
	return res
}

// tokenSiblings are the other members of the document a token came in.
type tokenSiblings struct{ accessToken, code string }

func (run *verifyRun) verifyToken(ctx context.Context, r *decode.Result, res *unitResult, sib tokenSiblings) *decode.Verification {
	o := run.base
	if r.Label == "id_token" {
		if o.AccessToken == "" {
			o.AccessToken = sib.accessToken
		}
		if o.Code == "" {
			o.Code = sib.code
		}
	}
	target := r
	decrypted := false
	if r.Kind == decode.KindJWE && o.DecryptionKey != nil {
		// Keys are chosen for the signed token inside (its iss and kid).
		// A JWE that does not decrypt, or holds no signed token, needs no
		// signature key: Verify reports it, and its verdict is the exit
		// code.
		plain, err := decode.Decrypt(r, o.DecryptionKey)
		if err != nil {
			return decode.Verify(r, nil, o)
		}
		inner, ok := decode.InnerToken(plain, r, run.dopts)
		if !ok {
			return decode.Verify(r, nil, o)
		}
		target, decrypted = inner, true
	}
	if r.Kind == decode.KindJWE && o.DecryptionKey == nil {
		// Nothing inside can be read, so no key is looked up for it: the
		// decrypt check fails, naming --decrypt-key (not "no key source").
		return decode.Verify(r, nil, o)
	}
	src, err := run.keys.ForToken(ctx, target)
	// What the user gave is said on every path, the failed ones too.
	src.Apply(&o)
	if err != nil {
		msg := errorMessage(err)
		var unpinned *flow.UnpinnedIssuerError
		// The user decrypted the token and gave no key for the signed
		// token inside: a failed key check, not a usage error.
		noKey := decrypted && (errors.Is(err, flow.ErrNoKeySource) || errors.As(err, &unpinned))
		if !noKey {
			res.errors = append(res.errors, unitError{exitCode(err), where(r) + msg})
		}
		v := decode.Verify(r, nil, o)
		for i := range v.Checks {
			if v.Checks[i].ID == "key" {
				v.Checks[i].Message, v.Checks[i].Hint = "could not get the keys: "+msg, ""
				if noKey {
					v.Checks[i].Hint = "--decrypt-key only decrypts: the token signed inside needs its issuer's keys (--issuer, --jwks, --key or --secret)"
				}
			}
		}
		return v
	}
	return decode.Verify(r, src.Keys, o)
}

// inputUnits turns the arguments into units. Several lines on stdin make a
// batch (one summary line per token); a JSON document on stdin is one unit.
func inputUnits(ctx context.Context, args []string, io *IO) (<-chan unit, bool, error) {
	stdinArg := len(args) == 0 || (len(args) == 1 && args[0] == "-")
	if !stdinArg {
		inputs, err := collectInputs(ctx, args, io)
		if err != nil {
			return nil, false, err
		}
		ch := make(chan unit, len(inputs))
		for i, in := range inputs {
			ch <- unit{index: i, data: in.data, src: in.src}
		}
		close(ch)
		return ch, false, nil
	}
	if io.InTTY {
		// On a terminal: a pasted token, as decode reads one.
		data, err := pasteToken(ctx, io)
		if err != nil {
			return nil, false, err
		}
		return oneUnit(unit{data: data}), false, nil
	}
	// Reading stdin may block on a pipe that stays open: wait for it
	// aside, so that Ctrl-C still ends the command.
	type head struct {
		ch    <-chan unit
		batch bool
		err   error
	}
	done := make(chan head, 1)
	go func() {
		ch, batch, err := stdinUnits(ctx, io.In)
		done <- head{ch, batch, err}
	}()
	select {
	case h := <-done:
		return h.ch, h.batch, h.err
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// stdinUnits reads stdin: a JSON document whole, else one unit per line;
// two lines or more make a batch.
func stdinUnits(ctx context.Context, in io.Reader) (<-chan unit, bool, error) {
	br := bufio.NewReaderSize(in, 64<<10)
	// A JSON token response or JWS JSON spans lines: read it whole. So
	// does what is data, not tokens (a PEM block, base64 wrapped in lines,
	// a binary file), judged from what the first read brought: decoded
	// line by line, each of its lines would pass for a token.
	first, err := peekNonSpace(br)
	if err == nil && first != '{' {
		head, _ := br.Peek(br.Buffered())
		if decode.WholeInput(head) {
			first = '{'
		}
	}
	if err == nil && first == '{' {
		data, err := readAll(ctx, br, "stdin")
		if err != nil {
			return nil, false, err
		}
		return oneUnit(unit{data: data}), false, nil
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 64<<10), MaxInput)
	var head []unit
	line := 0
	for len(head) < 2 && sc.Scan() {
		line++
		if t := bytes.TrimSpace(sc.Bytes()); len(t) > 0 {
			head = append(head, unit{index: len(head), data: bytes.Clone(t), src: decode.Source{Line: line}})
		}
	}
	if len(head) < 2 {
		if err := sc.Err(); err != nil {
			return nil, false, usageError("reading stdin: %v", err)
		}
		if len(head) == 1 {
			head[0].src.Line = 0
			return oneUnit(head[0]), false, nil
		}
		return oneUnit(unit{data: nil}), false, nil
	}
	ch := make(chan unit, 256)
	go func() {
		defer close(ch)
		for _, u := range head {
			ch <- u
		}
		n := len(head)
		send := func(u unit) bool {
			select {
			case ch <- u:
				n++
				return true
			case <-ctx.Done():
				return false
			}
		}
		for sc.Scan() {
			line++
			t := bytes.TrimSpace(sc.Bytes())
			if len(t) == 0 {
				continue
			}
			if !send(unit{index: n, data: bytes.Clone(t), src: decode.Source{Line: line}}) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			// The rest of the input is lost: say so, and fail.
			send(unit{index: n, src: decode.Source{Line: line + 1}, err: fmt.Errorf("line %d: stdin could not be read further: %v", line+1, err)})
		}
	}()
	return ch, true, nil
}

func peekNonSpace(br *bufio.Reader) (byte, error) {
	for n := 1; ; n++ {
		b, err := br.Peek(n)
		if len(b) < n {
			return 0, err
		}
		if c := b[n-1]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return c, nil
		}
		if n >= 64<<10 {
			return 0, errors.New("only white space")
		}
	}
}

// batchGC tunes the collector for a long batch. A batch's live heap is
// small and bounded (the pipeline's window), so the runtime's 4 MB minimum
// goal made it collect every few hundred tokens: at GOGC 200 a batch of
// 10,000 tokens takes about 15% less time. The soft memory limit then
// keeps the rare heap peaks from raising the high-water mark as a batch
// runs on (peak RSS for 100,000 tokens: 29 MB without it, 24 MB with,
// 21 MB for 1,000, in the same time). GOGC and GOMEMLIMIT, when set, win.
func batchGC(io *IO) {
	if io.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	if io.Getenv("GOMEMLIMIT") == "" {
		// Above what the process already holds, so that a caller with a
		// large heap of its own (a test binary) is not made to collect
		// without end.
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		debug.SetMemoryLimit(max(16<<20, int64(ms.Sys-ms.HeapReleased)+12<<20))
	}
}

// pipeline verifies units on all cores and emits results in input order.
// Units travel in batches of what is already waiting (up to maxBatch), so
// a long input costs a few channel operations and goroutine wake-ups per
// batch rather than per token, while a trickle of input (an interactive
// pipe) still goes through one unit at a time. At most window batches are
// in flight, so memory stays flat however long the input is.
func pipeline(ctx context.Context, units <-chan unit, work func(context.Context, unit) unitResult, emit func(unitResult) error, caughtUp func() error) error {
	workers := runtime.GOMAXPROCS(0)
	const maxBatch = 32
	// Four batches per worker keep every core busy; more only raises the
	// peak heap (64 batches: 29 MB at 100,000 tokens, 16: 25 MB).
	window := max(16, 4*workers)
	type batch struct {
		seq     int
		units   []unit
		results []unitResult
	}
	slots := make(chan struct{}, window)
	jobs := make(chan *batch, workers)
	results := make(chan *batch, window)
	go func() {
		defer close(jobs)
		seq := 0
		for u := range units {
			b := &batch{seq: seq, units: append(make([]unit, 0, maxBatch), u)}
		fill:
			for len(b.units) < maxBatch {
				select {
				case u, ok := <-units:
					if !ok {
						break fill
					}
					b.units = append(b.units, u)
				default:
					break fill
				}
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			jobs <- b
			seq++
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				b.results = make([]unitResult, len(b.units))
				for i, u := range b.units {
					b.results[i] = work(ctx, u)
				}
				b.units = nil
				results <- b
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	pending := map[int]*batch{}
	next := 0
	var emitErr error
	for b := range results {
		pending[b.seq] = b
		for {
			ready, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-slots
			for _, r := range ready.results {
				if emitErr == nil {
					emitErr = emit(r)
				}
			}
		}
		if len(results) == 0 && len(pending) == 0 && emitErr == nil {
			emitErr = caughtUp()
		}
	}
	return emitErr
}
