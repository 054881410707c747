package mcpserver_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestTheTypeScriptSDKClientConnects runs e2e/ (node --test, the official
// TypeScript SDK client) against this real server. It needs Node and
// `npm ci` in e2e/ (make test does it). Without them the test fails rather
// than passing silently; MI_SKIP_NODE=1 skips it on purpose. It runs
// mcp.test.js alone: oauth.test.js needs the authorization server, and
// cmd/meetingintel runs it against the whole server.
func TestTheTypeScriptSDKClientConnects(t *testing.T) {
	if os.Getenv("MI_SKIP_NODE") == "1" {
		t.Skip("MI_SKIP_NODE=1")
	}
	dir, _ := filepath.Abs("../e2e")
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed (set MI_SKIP_NODE=1 to skip this test on purpose)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk")); err != nil {
		t.Fatal("e2e/node_modules is missing: run `make test`, or `npm ci` in e2e/ (MI_SKIP_NODE=1 skips this test)")
	}
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "mcp.test.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MI_URL="+e.url, "MI_TOKEN="+e.aliceTok)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
