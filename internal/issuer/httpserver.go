package issuer

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// HTTPServer serves an issuer on a listener, bounded as a server on a
// developer's machine should be, and tells log one line per request:
// method, path (never the query, which carries codes and state), status,
// duration, client id.
type HTTPServer struct{ hs *http.Server }

// NewHTTPServer serves h; log may be nil.
func NewHTTPServer(h http.Handler, log func(line string)) *HTTPServer {
	handler := h
	if log != nil {
		handler = logRequests(h, log)
	}
	return &HTTPServer{hs: &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}}
}

// Serve serves until Shutdown or a failure of the listener.
func (s *HTTPServer) Serve(ln net.Listener) error { return s.hs.Serve(ln) }

// Shutdown stops accepting and waits for requests in flight, until ctx ends.
func (s *HTTPServer) Shutdown(ctx context.Context) error { return s.hs.Shutdown(ctx) }

func logRequests(next http.Handler, log func(string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: 200}
		next.ServeHTTP(rec, r)
		client := r.URL.Query().Get("client_id")
		if id, _, ok := r.BasicAuth(); ok {
			client = id
		} else if r.PostForm != nil && r.PostForm.Get("client_id") != "" {
			client = r.PostForm.Get("client_id")
		}
		line := fmt.Sprintf("%s %s %d %s", r.Method, r.URL.Path, rec.status, time.Since(start).Round(time.Microsecond))
		if client != "" {
			line += " client=" + client
		}
		log(line)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
