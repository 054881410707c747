package deploy_test

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestTheImageBinaryIsStatic builds the binary the way the Dockerfile does
// (Docker itself is not needed) and checks it needs no libc: the final
// image has none.
func TestTheImageBinaryIsStatic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	df, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	build := regexp.MustCompile(`(?s)RUN (CGO_ENABLED=0 .*?go build .*?)\n\s*&&`).FindSubmatch(df)
	if build == nil {
		t.Fatal("the Dockerfile has no CGO_ENABLED=0 go build step")
	}
	if !strings.Contains(string(build[1]), "-trimpath") || !strings.Contains(string(build[1]), "-X main.Version=${VERSION}") {
		t.Fatalf("build step: %s", build[1])
	}
	bin := filepath.Join(t.TempDir(), "meetingintel")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.Version=v-test", "-o", bin, "../cmd/meetingintel")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Fatalf("the binary is dynamically linked (%v)", p.Type)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Fatalf("the binary needs %v", libs)
	}
	if out, err := exec.Command(bin, "version").Output(); err != nil || strings.TrimSpace(string(out)) != "meetingintel v-test" {
		t.Fatalf("version: %q %v", out, err)
	}
}

// TestTheDockerfileRunsAsNonRootWithAHealthCheck pins what the image must
// keep: a non-root user, the self health check (the image has no curl),
// and no --db flag in CMD, which would win over DATABASE_URL.
func TestTheDockerfileRunsAsNonRootWithAHealthCheck(t *testing.T) {
	df, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(df)
	froms := regexp.MustCompile(`(?m)^FROM (\S+)`).FindAllStringSubmatch(s, -1)
	if len(froms) < 2 || !strings.HasSuffix(froms[len(froms)-1][1], ":nonroot") {
		t.Errorf("the final stage is not a nonroot image: %v", froms)
	}
	for _, want := range []string{"USER 65532:65532", "EXPOSE 8080", "ENV ADDR=0.0.0.0:8080", `CMD ["/meetingintel", "healthcheck"]`, `CMD ["serve"]`, "DATABASE_URL=sqlite:/data/meetingintel.db"} {
		if !strings.Contains(s, want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
	ignore, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".git", ".env*", "**/*.db", "data/"} {
		if !strings.Contains(string(ignore), want+"\n") {
			t.Errorf(".dockerignore lacks %q", want)
		}
	}
}
