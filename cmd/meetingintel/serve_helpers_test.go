package main

// Helpers for the tests that run `meetingintel serve`: as a built binary
// (crash_test.go, replicas_test.go, TestServeBinary) or in this process
// (oauth_e2e_test.go).

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/meetingintel/meetingintel/internal/logguard"
)

// buildBinary builds meetingintel into a temporary folder (fast after the
// first time: the build cache keeps the packages).
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "meetingintel")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// freeAddr returns a 127.0.0.1 address nobody listens on; a restarted
// server takes the same one, since the OAuth issuer is its URL.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer collects a server's output written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// plainHTTP never follows redirects: the tests read each Location, as a
// browser's address bar would show it.
var plainHTTP = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// waitReady polls base+"/readyz" until it answers 200. It gives up with
// the reason when exited reports the server gone (a non-nil error) or
// after 30 seconds.
func waitReady(base string, exited func() error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := exited(); err != nil {
			return err
		}
		if r, err := plainHTTP.Get(base + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("never became ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serveProcess is one `meetingintel serve` process.
type serveProcess struct {
	cmd  *exec.Cmd
	base string
	log  *syncBuffer // stdout and stderr
	done chan error  // the process's exit
}

// startServeProcess runs `bin serve --addr addr args...` with this
// process's environment minus the server's settings, plus env, and waits
// until it is ready. The test's cleanup kills it if it still runs.
func startServeProcess(t *testing.T, bin, addr string, env []string, args ...string) *serveProcess {
	t.Helper()
	s := &serveProcess{base: "http://" + addr, log: &syncBuffer{}, done: make(chan error, 1)}
	s.cmd = exec.Command(bin, append([]string{"serve", "--addr", addr}, args...)...)
	// Rate limits off unless a test sets them: the tests' clients all
	// come from 127.0.0.1 and would share one allowance.
	s.cmd.Env = append(os.Environ(), append([]string{"ADDR=", "MCP_AUTH_TOKENS=", "INSTANCE=", "PUBLIC_URL=",
		"DATABASE_URL=", "JWT_SECRET=", "OAUTH_ENABLED=", "MCP_RATE_PER_MIN=0", "API_RATE_PER_MIN=0"}, env...)...)
	out := logguard.Tee(s.log) // one writer, so exec keeps one pipe and the order of lines
	s.cmd.Stdout, s.cmd.Stderr = out, out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	err := waitReady(s.base, func() error {
		select {
		case err := <-s.done:
			return fmt.Errorf("exited at start: %v", err)
		default:
			return nil
		}
	})
	if err != nil {
		t.Fatalf("server %s:\n%s", err, s.log.String())
	}
	return s
}

// signal sends sig and waits for the process to exit, returning how.
func (s *serveProcess) signal(t *testing.T, sig os.Signal) error {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	return <-s.done
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *serveProcess) kill(t *testing.T) {
	t.Helper()
	s.signal(t, syscall.SIGKILL)
}
