package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// TestTheRealServerFetchesNoClientMetadataFromLoopback checks the wiring
// of the binary: it advertises client ID metadata documents, and without
// the oauth package's test-only setting (which serve never sets) a document
// on a loopback address is refused before any connection is made.
func TestTheRealServerFetchesNoClientMetadataFromLoopback(t *testing.T) {
	var hits atomic.Int32
	host := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{}`))
	}))
	defer host.Close()
	w := newWorld(t, nil)
	if r := mustHTTP(t, "GET", w.s.url+"/.well-known/oauth-authorization-server", nil, ""); r.json["client_id_metadata_document_supported"] != true {
		t.Errorf("metadata does not advertise client ID metadata documents: %s", r.body)
	}
	_, challenge := pkce()
	for _, id := range []string{host.URL + "/client.json", strings.Replace(host.URL, "127.0.0.1", "localhost", 1) + "/client.json"} {
		q := url.Values{"response_type": {"code"}, "client_id": {id}, "redirect_uri": {"https://claude.ai/api/mcp/auth_callback"},
			"state": {"s"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
		r := mustHTTP(t, "GET", w.s.url+"/oauth/authorize?"+q.Encode(), nil, "")
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "not public") {
			t.Errorf("client_id %s: %d, want 400 naming the address as not public:\n%.500s", id, r.status, r.body)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server fetched from loopback %d times", n)
	}
}
