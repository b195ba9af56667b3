package cmd

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oidcdev/oidc/decode"
	"github.com/oidcdev/oidc/render"
)

// DecodeOptions are the flags and arguments of `oidc decode`.
type DecodeOptions struct {
	Global *GlobalOptions
	Inputs []string
	Output outputFlags
	Assert assertFlags
	Time   string
}

func newDecodeCmd(io *IO, g *GlobalOptions) *cobra.Command {
	opts := &DecodeOptions{Global: g}
	c := &cobra.Command{
		Use:   "decode [TOKEN | @FILE | -]...",
		Short: "Decode JWTs, JWEs, token responses and callback URLs, without verifying",
		Long: `Decode shows everything in a token, even a broken one, offline.

It takes a JWS or JWE (compact or JSON serialization), an unsecured JWT, an
SD-JWT, an opaque token, a whole token response ({"access_token":...}), a
callback URL (?code=...&state=... or #id_token=...), or an Authorization
header line. Quotes, white space and a "Bearer " prefix are stripped. With no
argument it reads stdin, one token per line; on a terminal, a token pasted
there (its lines joined when the terminal wrapped it).

Nothing is verified: decode never fetches keys. Claims are explained and
dates shown as RFC 3339 with the time until or since; the token type is
guessed with its evidence; risky things (alg none, jku, embedded keys,
missing exp, ...) are warned about. A broken token shows which segment is
broken, at which byte, and why.

An opaque token not in a response is one word of RFC 6750 token characters,
16 to 4096 of them; anything else is not a token (exit 2), said with what it
looks like instead: base64 of a file, a PEM key, text, binary data.

--json prints one JSON object per token (JSON Lines): kind, label, input,
context, header, payload, signature, guess, warnings, times and, for broken
input, error. The schema: oidc help json (and README).`,
		Example: `  # a token as an argument, from a file, or on stdin
  oidc decode eyJhbGciOiJSUzI1NiIsImtpZCI6...
  oidc decode @testdata/id_token.jwt
  pbpaste | oidc decode

  # a whole token response: each token decoded and labelled
  curl -s -d grant_type=client_credentials ... https://issuer/token | oidc decode

  # the URL the browser was sent back to
  oidc decode 'http://127.0.0.1:8080/callback?code=abc...&state=xyz'

  # for scripts: one claim, or the whole document
  oidc decode --jq .payload.sub "$TOKEN"
  oidc decode --json "$TOKEN" | jq .times.exp`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Inputs = args
			return runDecode(c.Context(), opts, io)
		},
	}
	f := c.Flags()
	opts.Output.add(f, false)
	opts.Assert.add(f)
	f.StringVar(&opts.Time, "time", "", timeHelp)
	return c
}

func runDecode(ctx context.Context, opts *DecodeOptions, io *IO) error {
	var dopts decode.Options
	if opts.Time != "" {
		t, err := parseInstant(opts.Time)
		if err != nil {
			return usageError("--time: %v", err)
		}
		dopts.Now = t
	}
	jq, err := opts.Output.jq()
	if err != nil {
		return err
	}
	asserts, err := opts.Assert.compile()
	if err != nil {
		return err
	}
	// Units stream: stdin lines are decoded and printed as they come, so
	// memory stays flat however long the input is.
	var units <-chan unit
	if io.InTTY && (len(opts.Inputs) == 0 || len(opts.Inputs) == 1 && opts.Inputs[0] == "-") {
		// Nothing given, on a terminal: a token pasted there.
		data, err := pasteToken(ctx, io)
		if err != nil {
			return err
		}
		units = oneUnit(unit{data: data})
	} else if units, _, err = inputUnits(ctx, opts.Inputs, io); err != nil {
		return err
	}
	var jw *render.JSONWriter
	var p *render.Printer
	if opts.Output.structured() {
		jw = render.NewJSONWriter(io.Out, jq, io.OutTTY)
	} else {
		p = render.NewPrinter(io.Out, io.OutTheme(opts.Global), io.Width)
	}
	errTheme := io.ErrTheme(opts.Global)
	flush := func() error { return flushOutput(jw, p) }
	failed, unmet, total := 0, 0, 0
	for u := range units {
		if u.err != nil {
			failed++
			render.ErrorLine(io.Err, errTheme, "decode: "+u.err.Error())
			continue
		}
		results := decode.Input(u.data, u.src, dopts)
		total += len(results)
		if jw != nil {
			for _, r := range results {
				if err := jw.Write(ctx, r); err != nil {
					jw.Flush()
					return &ExitError{Code: ExitUsage, Err: err}
				}
			}
		} else {
			p.Decoded(results)
		}
		for _, r := range results {
			if r.Failed() {
				failed++
				render.ErrorLine(io.Err, errTheme, "decode: "+where(r)+r.Error.Message)
			}
			// As verify: not on what did not decode, nor on a response's
			// opaque members (its refresh token), so one expression
			// serves both commands.
			if r.Failed() || r.Kind == decode.KindOpaque && r.Label != "" {
				continue
			}
			msgs, err := asserts.Failures(ctx, r)
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			for _, m := range msgs {
				render.ErrorLine(io.Err, errTheme, "decode: "+where(r)+m)
			}
			if len(msgs) > 0 {
				unmet++
			}
		}
		// Caught up with the input: what is decoded goes out now, so a
		// pipe that stays open shows each token as it comes.
		if len(units) == 0 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if failed > 0 {
		return &ExitError{Code: ExitUsage, Silent: true, Err: fmt.Errorf("%d of %d inputs could not be decoded", failed, total)}
	}
	if unmet > 0 {
		return &ExitError{Code: ExitCheckFailed, Silent: true, Err: fmt.Errorf("%d of %d tokens did not meet --assert", unmet, total)}
	}
	return nil
}

// flushOutput writes out what the command's JSON writer or printer holds.
func flushOutput(jw *render.JSONWriter, p *render.Printer) error {
	var err error
	if jw != nil {
		err = jw.Flush()
	} else {
		err = p.Flush()
	}
	if err != nil {
		return outputError(err)
	}
	return nil
}

// where names the place in the input a result came from, for error lines.
func where(r *decode.Result) string {
	var parts []string
	if r.Input.Arg > 0 {
		parts = append(parts, "argument "+strconv.Itoa(r.Input.Arg))
	}
	if r.Input.Line > 0 {
		parts = append(parts, "line "+strconv.Itoa(r.Input.Line))
	}
	if r.Label != "" {
		parts = append(parts, r.Label)
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ", ") + ": "
}

type rawInput struct {
	data []byte
	src  decode.Source
}

// collectInputs reads the arguments: literal tokens, @file (or a file
// named without its @, with a note), or - for stdin.
// With no argument it reads stdin, unless stdin is a terminal: then it says
// how to pass a token instead of waiting for one.
func collectInputs(ctx context.Context, args []string, io *IO) ([]rawInput, error) {
	if len(args) == 0 {
		if io.InTTY {
			return nil, usageError("no token given: pass one as an argument, a file as @FILE, or pipe it on stdin")
		}
		data, err := readAll(ctx, io.In, "stdin")
		if err != nil {
			return nil, err
		}
		return []rawInput{{data: data}}, nil
	}
	inputs := make([]rawInput, 0, len(args))
	stdinUsed := false
	for i, a := range args {
		src := decode.Source{}
		if len(args) > 1 {
			src.Arg = i + 1
		}
		var data []byte
		switch {
		case a == "-":
			if stdinUsed {
				return nil, usageError("'-' (stdin) given more than once")
			}
			stdinUsed = true
			var err error
			if data, err = readAll(ctx, io.In, "stdin"); err != nil {
				return nil, err
			}
		default:
			var err error
			if data, err = tokenArgument(ctx, io, "", a); err != nil {
				return nil, err
			}
		}
		inputs = append(inputs, rawInput{data: data, src: src})
	}
	return inputs, nil
}
