package oauth_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meetingintel/meetingintel/oauth"
)

func TestLoadSecretTakesTheEnvGeneratesOnceLocallyAndRefusesADeployWithout(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "m.db")
	long := strings.Repeat("k", 32)

	if got, err := oauth.LoadSecret(long, "team", db); err != nil || string(got) != long {
		t.Errorf("JWT_SECRET set: %q, %v", got, err)
	}
	for _, tc := range []struct{ env, instance, path string }{
		{"short", "", db}, {"", "team", db}, {"", "prod", db}, {"", "", ""},
	} {
		if _, err := oauth.LoadSecret(tc.env, tc.instance, tc.path); err == nil || !strings.Contains(err.Error(), "JWT_SECRET") {
			t.Errorf("LoadSecret(%q, %q, %q) = %v, want an error naming JWT_SECRET", tc.env, tc.instance, tc.path, err)
		}
	}
	first, err := oauth.LoadSecret("", "", db)
	if err != nil || len(first) < oauth.MinSecretLen {
		t.Fatalf("generated secret: %d bytes, %v", len(first), err)
	}
	fi, err := os.Stat(db + oauth.SecretFileSuffix)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v, %v; want mode 0600", fi, err)
	}
	again, err := oauth.LoadSecret("", "", db)
	if err != nil || string(again) != string(first) {
		t.Errorf("second load = %q, %v; want the same secret", again, err)
	}
	if _, err := oauth.New(oauth.Config{PublicURL: "https://x.example", Secret: []byte("short")}); err == nil {
		t.Error("New accepted a short secret or no store")
	}
}
