package flow

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// HAR collects exchanges as an HTTP Archive 1.2 log, for browsers' and
// proxies' tools.
type HAR struct {
	Log harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Entries []harEntry `json:"entries"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harRequest struct {
	Method      string   `json:"method"`
	URL         string   `json:"url"`
	HTTPVersion string   `json:"httpVersion"`
	Cookies     []harNV  `json:"cookies"`
	Headers     []harNV  `json:"headers"`
	QueryString []harNV  `json:"queryString"`
	PostData    *harPost `json:"postData,omitempty"`
	HeadersSize int      `json:"headersSize"`
	BodySize    int      `json:"bodySize"`
}

type harPost struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
}

type harResponse struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []harNV    `json:"cookies"`
	Headers     []harNV    `json:"headers"`
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int        `json:"bodySize"`
}

type harContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// NewHAR starts an empty archive.
func NewHAR(version string) *HAR {
	return &HAR{Log: harLog{Version: "1.2", Creator: harCreator{Name: "oidc", Version: version}, Entries: []harEntry{}}}
}

func nvs(pairs [][2]string) []harNV {
	out := make([]harNV, 0, len(pairs))
	for _, p := range pairs {
		out = append(out, harNV{p[0], p[1]})
	}
	return out
}

func (h *HAR) add(t *traceTransport, req *http.Request, reqBody []byte, resp *http.Response, respBody []byte, started time.Time, took time.Duration) {
	u, _ := url.Parse(t.redactURL(req.URL))
	e := harEntry{StartedDateTime: started.UTC().Format(time.RFC3339Nano), Time: float64(took.Microseconds()) / 1000}
	e.Request = harRequest{Method: req.Method, URL: u.String(), HTTPVersion: "HTTP/1.1", Cookies: []harNV{},
		Headers: nvs(t.headerList(req.Header)), QueryString: []harNV{}, HeadersSize: -1, BodySize: len(reqBody)}
	for k, vs := range u.Query() {
		for _, v := range vs {
			e.Request.QueryString = append(e.Request.QueryString, harNV{k, v})
		}
	}
	if len(reqBody) > 0 {
		e.Request.PostData = &harPost{MimeType: req.Header.Get("Content-Type"), Text: t.redactBody(reqBody, req.Header.Get("Content-Type"))}
	}
	e.Response = harResponse{Cookies: []harNV{}, Headers: []harNV{}}
	if resp != nil {
		e.Response = harResponse{Status: resp.StatusCode, StatusText: strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode))),
			HTTPVersion: resp.Proto, Cookies: []harNV{}, Headers: nvs(t.headerList(resp.Header)), RedirectURL: t.redactLocation(resp.Header.Get("Location")),
			HeadersSize: -1, BodySize: len(respBody),
			Content: harContent{Size: len(respBody), MimeType: resp.Header.Get("Content-Type"), Text: t.redactBody(respBody, resp.Header.Get("Content-Type"))}}
	}
	e.Timings = harTimings{Send: 0, Wait: e.Time, Receive: 0}
	h.Log.Entries = append(h.Log.Entries, e)
}

// WriteFile writes the archive, readable by the user only: it holds tokens.
func (h *HAR) WriteFile(path string) error {
	data, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil { // an existing file keeps its mode otherwise
		f.Close()
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
