package flow

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/oidcdev/oidc/decode"
)

// WellKnownURLs lists the metadata URLs of an issuer in the order oidc
// tries them: OIDC Discovery's, then RFC 8414's; for an issuer with a path
// also each standard's other placement, which some clients use (the MCP
// authorization spec has clients try all three).
func WellKnownURLs(issuer string) []decode.WellKnownDoc {
	u, err := url.Parse(issuer)
	if err != nil {
		return nil
	}
	path := strings.TrimSuffix(u.Path, "/")
	at := func(p string) string {
		v := *u
		v.Path, v.RawPath, v.RawQuery, v.Fragment = p, "", "", ""
		return v.String()
	}
	if path == "" {
		return []decode.WellKnownDoc{
			{URL: at("/.well-known/openid-configuration"), Kind: decode.WellKnownOpenID, Form: "root"},
			{URL: at("/.well-known/oauth-authorization-server"), Kind: decode.WellKnownOAuth, Form: "root"},
		}
	}
	return []decode.WellKnownDoc{
		{URL: at(path + "/.well-known/openid-configuration"), Kind: decode.WellKnownOpenID, Form: "appended"},
		{URL: at("/.well-known/oauth-authorization-server" + path), Kind: decode.WellKnownOAuth, Form: "inserted"},
		{URL: at("/.well-known/openid-configuration" + path), Kind: decode.WellKnownOpenID, Form: "inserted"},
		{URL: at(path + "/.well-known/oauth-authorization-server"), Kind: decode.WellKnownOAuth, Form: "appended"},
	}
}

// DiscoverAll fetches every well-known document of the issuer, lints the
// first that answered (OIDC's before RFC 8414's), checks that each
// endpoint answers, and lints the key set.
func (c *Client) DiscoverAll(ctx context.Context, issuer string) (*decode.DiscoverReport, error) {
	return c.discoverAll(ctx, issuer, true)
}

// discoverAll is DiscoverAll; full also probes the endpoints and lints
// the keys (a probe of a resource needs only the documents).
func (c *Client) discoverAll(ctx context.Context, issuer string, full bool) (*decode.DiscoverReport, error) {
	if _, err := c.CheckURL(issuer); err != nil {
		return nil, &Error{URL: issuer, Option: "issuer", Err: err}
	}
	rep := &decode.DiscoverReport{Issuer: issuer, Vendor: decode.Vendor(issuer), Endpoints: []decode.EndpointCheck{}, Findings: []decode.Finding{}}
	docs := WellKnownURLs(issuer)
	var wg sync.WaitGroup
	for i := range docs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := &docs[i]
			f, err := c.GetJSON(ctx, d.URL, true)
			if err != nil {
				d.Error = err.Error()
				return
			}
			d.Answered, d.Body = true, f.Body
			var probe struct {
				Issuer string `json:"issuer"`
			}
			_ = json.Unmarshal(f.Body, &probe)
			d.Issuer = probe.Issuer
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	rep.Documents = docs
	var primary *decode.WellKnownDoc
	for i := range docs {
		if docs[i].Answered {
			primary = &docs[i]
			break
		}
	}
	if primary == nil {
		return rep, &Error{URL: docs[0].URL, Err: fmt.Errorf("no metadata at any well-known URL of %s: %s", issuer, docs[0].Error)}
	}
	rep.Source, rep.Metadata = primary.URL, primary.Body
	rep.Findings = append(rep.Findings, decode.LintMetadata(primary.Body, decode.MetadataLint{Issuer: issuer, WellKnown: primary.Kind})...)
	rep.Findings = append(rep.Findings, documentFindings(docs, primary)...)

	var md struct {
		JWKSURI string `json:"jwks_uri"`
	}
	_ = json.Unmarshal(primary.Body, &md)
	if !full {
		decode.SortFindings(rep.Findings)
		rep.Valid = !decode.Failing(rep.Findings)
		return rep, nil
	}
	rep.Endpoints = c.probeEndpoints(ctx, primary.Body)
	for _, e := range rep.Endpoints {
		if e.Error != "" {
			rep.Findings = append(rep.Findings, decode.Finding{ID: "endpoint_unreachable", Severity: decode.SeverityError, Member: e.Member,
				Message: e.Member + " does not answer: " + e.Error, Clause: "OIDC Discovery 3, RFC 8414 2", Fix: "publish an endpoint that is up, or remove it from the metadata"})
		}
	}
	if md.JWKSURI != "" {
		if _, err := c.CheckURL(md.JWKSURI); err == nil {
			f, err := c.GetJSON(ctx, md.JWKSURI, true)
			if err != nil {
				rep.Findings = append(rep.Findings, decode.Finding{ID: "jwks_unavailable", Severity: decode.SeverityError, Member: "jwks_uri",
					Message: "the key set cannot be fetched: " + err.Error(), Clause: "OIDC Discovery 3", Fix: "serve the JWKS as JSON at jwks_uri"})
			} else {
				rep.Keys = decode.LintJWKS(f.Body, c.Now())
				rep.Findings = append(rep.Findings, rep.Keys.Findings...)
			}
		}
	}
	decode.SortFindings(rep.Findings)
	rep.Valid = !decode.Failing(rep.Findings)
	return rep, nil
}

// documentFindings compares the well-known documents that answered: where
// they disagree, clients that look in different places see different
// issuers.
func documentFindings(docs []decode.WellKnownDoc, primary *decode.WellKnownDoc) []decode.Finding {
	var out []decode.Finding
	oauth := false
	for _, d := range docs {
		if !d.Answered {
			continue
		}
		oauth = oauth || d.Kind == decode.WellKnownOAuth
		if d.URL != primary.URL && d.Issuer != primary.Issuer {
			out = append(out, decode.Finding{ID: "metadata_disagree", Severity: decode.SeverityError, Member: "issuer",
				Message: fmt.Sprintf("%s says issuer %q but %s says %q: clients that look in different places get different issuers", d.URL, d.Issuer, primary.URL, primary.Issuer),
				Clause:  "RFC 8414 3.3, OIDC Discovery 4.3", Fix: "serve one document, the same at every well-known URL"})
		}
	}
	if !oauth {
		out = append(out, decode.Finding{ID: "oauth_metadata_missing", Severity: decode.SeverityInfo,
			Message: "no RFC 8414 document (oauth-authorization-server): clients that look only there (some OAuth 2.1 and MCP clients) find no metadata",
			Clause:  "RFC 8414 3", Fix: "serve the metadata at /.well-known/oauth-authorization-server too"})
	}
	return out
}

// probeEndpoints sends a plain GET to each endpoint of the metadata, in
// parallel: any HTTP answer (a 400, 401, 405) means it is there; no answer
// is a finding. Nothing secret is sent.
func (c *Client) probeEndpoints(ctx context.Context, body json.RawMessage) []decode.EndpointCheck {
	var members map[string]json.RawMessage
	_ = json.Unmarshal(body, &members)
	var out []decode.EndpointCheck
	for name, raw := range members {
		if !strings.HasSuffix(name, "_endpoint") {
			continue // jwks_uri is fetched, not probed
		}
		var u string
		if json.Unmarshal(raw, &u) != nil || u == "" {
			continue
		}
		if _, err := c.CheckURL(u); err != nil {
			continue // the lint says so
		}
		out = append(out, decode.EndpointCheck{Member: name, URL: u})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Member < out[j].Member })
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := &out[i]
			start := time.Now()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.URL, nil)
			if err == nil {
				var resp *http.Response
				if resp, err = c.HTTP.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
					resp.Body.Close()
					e.Status = resp.StatusCode
				}
			}
			if err != nil {
				e.Error = describeNetErr(e.URL, err).Error()
			}
			e.Millis = Millis(time.Since(start))
		}()
	}
	wg.Wait()
	return out
}
