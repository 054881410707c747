// Package deploy_test runs deploy.sh (at the repository root) against a
// stub az that records every call, and checks the commands it runs, what it
// refuses, and that no secret is ever printed.
package deploy_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Secret values with characters that break naive quoting and masking.
const (
	jwtSecret     = `it's a $ecret "with" spaces & = signs, long enough!`
	dbPassword    = "pa55-w0rd-xyz"
	databaseURL   = "postgres://mi:" + dbPassword + "@db.example.com:5432/mi?sslmode=require"
	mcpAuthTokens = `{"legacytoken-abcdef123456":"ana@example.com"}`
	metricsToken  = "metrics-token-0123456789"
	prodJWT       = "prod-secret-0123456789-0123456789-abcdef"
	domain        = "happyhill-1234.westeurope.azurecontainerapps.io"
)

var allSecrets = []string{jwtSecret, dbPassword, databaseURL, mcpAuthTokens, metricsToken, prodJWT, "legacytoken-abcdef123456"}

// stubAz records its arguments, one per line and a separator per call, and
// copies any --yaml file; it answers the read-only queries deploy.sh makes.
const stubAz = `#!/usr/bin/env bash
set -euo pipefail
{ printf '%s\n' "$@"; echo "--END--"; } >>"$AZ_LOG"
prev=""
for a in "$@"; do
	if [ "$prev" = "--yaml" ]; then cat "$a" >>"$AZ_YAML_LOG"; echo "$a" >>"$AZ_YAML_PATHS"; fi
	prev="$a"
done
case "$1 $2" in
"containerapp list")
	if [ "${STUB_APP_EXISTS:-0}" = 1 ]; then echo "$STUB_APP"; fi ;;
"containerapp env")
	echo "` + domain + `" ;;
"containerapp show")
	echo "$STUB_APP.` + domain + `" ;;
esac
`

// settings is a complete .env.deploy for both instances.
func settings() map[string]string {
	return map[string]string{
		"AZ_RESOURCE_GROUP":    "mi-rg",
		"AZ_LOCATION":          "westeurope",
		"AZ_ACR_NAME":          "miacr",
		"AZ_CONTAINERAPP_ENV":  "mi-env",
		"APP_NAME_TEAM":        "mi-team",
		"JWT_SECRET_TEAM":      jwtSecret,
		"DATABASE_URL_TEAM":    databaseURL,
		"MCP_AUTH_TOKENS_TEAM": mcpAuthTokens,
		"METRICS_TOKEN_TEAM":   metricsToken,
		"MIN_REPLICAS_TEAM":    "1",
		"MAX_REPLICAS_TEAM":    "3",
		"APP_NAME_PROD":        "mi-prod",
		"JWT_SECRET_PROD":      prodJWT,
		"OAUTH_ENABLED_PROD":   "false",
	}
}

// extraEnv is added to deploy.sh's environment by deploy (tests here are
// not parallel).
var extraEnv []string

type run struct {
	code   int
	out    string     // stdout and stderr
	calls  [][]string // az invocations, in order
	yaml   string     // every --yaml file az received
	yamlAt []string   // their paths
}

// call returns the first az call starting with the given words, or nil.
func (r run) call(words ...string) []string {
	for _, c := range r.calls {
		if len(c) >= len(words) && strings.Join(c[:len(words)], " ") == strings.Join(words, " ") {
			return c
		}
	}
	return nil
}

// deploy writes the settings to an env file (values double-quoted, as a
// person would for secrets with spaces) and runs deploy.sh with the stub.
func deploy(t *testing.T, set map[string]string, appExists bool, args ...string) run {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "az"), []byte(stubAz), 0o755); err != nil {
		t.Fatal(err)
	}
	var env strings.Builder
	env.WriteString("# test settings\r\n\n")
	for k, v := range set {
		env.WriteString(k + "=\"" + v + "\"\n")
	}
	// Shell syntax in a settings file must stay text, never run.
	env.WriteString("UNUSED=$(touch " + filepath.Join(dir, "pwned") + ")\n")
	envFile := filepath.Join(dir, "env")
	if err := os.WriteFile(envFile, []byte(env.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	app := set["APP_NAME_TEAM"]
	for _, a := range args {
		if a == "prod" {
			app = set["APP_NAME_PROD"]
		}
	}
	exists := "0"
	if appExists {
		exists = "1"
	}
	script := scriptPath(t)
	cmd := exec.Command("bash", append([]string{script, "--env-file", envFile}, args...)...)
	cmd.Env = []string{
		"PATH=" + bin + ":/usr/local/bin:/usr/bin:/bin",
		"HOME=" + dir, "TMPDIR=" + dir, "IMAGE_TAG=0123456789ab",
		"AZ_LOG=" + filepath.Join(dir, "az.log"), "AZ_YAML_LOG=" + filepath.Join(dir, "yaml.log"),
		"AZ_YAML_PATHS=" + filepath.Join(dir, "yaml.paths"), "STUB_APP=" + app, "STUB_APP_EXISTS=" + exists,
	}
	cmd.Env = append(cmd.Env, extraEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	r := run{out: out.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Fatal("deploy.sh ran a command substitution from the settings file")
	}
	if b, err := os.ReadFile(filepath.Join(dir, "az.log")); err == nil {
		var cur []string
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if l == "--END--" {
				r.calls = append(r.calls, cur)
				cur = nil
				continue
			}
			cur = append(cur, l)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "yaml.log")); err == nil {
		r.yaml = string(b)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "yaml.paths")); err == nil {
		r.yamlAt = strings.Fields(string(b))
	}
	return r
}

// scriptPath returns deploy.sh's path after reading it in this process, so
// that go test's cache notices when the script changes (it tracks files the
// test opens, not those bash opens).
func scriptPath(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../deploy.sh")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.ReadFile(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func assertNoSecretPrinted(t *testing.T, out string) {
	t.Helper()
	for _, s := range allSecrets {
		if strings.Contains(out, s) {
			t.Fatalf("output shows the secret %q:\n%s", s, out)
		}
	}
}

// assertSecretsOnlyIn checks that secret values reach az only in the
// --secrets arguments of the one call that sets them.
func assertSecretsOnlyIn(t *testing.T, r run, secretCall []string) {
	t.Helper()
	for _, c := range r.calls {
		if strings.Join(c, " ") == strings.Join(secretCall, " ") {
			continue
		}
		for _, s := range allSecrets {
			if strings.Contains(strings.Join(c, "\n"), s) {
				t.Errorf("az %s received the secret %q outside --secrets", strings.Join(c[:2], " "), s)
			}
		}
	}
	for _, s := range allSecrets {
		if strings.Contains(r.yaml, s) {
			t.Errorf("the template YAML holds the secret %q", s)
		}
	}
	after := false
	for _, a := range secretCall {
		if a == "--secrets" {
			after = true
			continue
		}
		if strings.HasPrefix(a, "--") {
			after = false
		}
		for _, s := range allSecrets {
			if strings.Contains(a, s) && !after {
				t.Errorf("secret %q in argument %q, not in --secrets", s, a)
			}
		}
	}
}

func containsAll(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

func TestDryRunPrintsTheWholeDeploymentAndRunsNothing(t *testing.T) {
	r := deploy(t, settings(), true, "team", "--dry-run")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.out)
	}
	if len(r.calls) != 0 {
		t.Fatalf("--dry-run ran az %d times: %v", len(r.calls), r.calls)
	}
	assertNoSecretPrinted(t, r.out)
	// Every step, in order.
	steps := []string{
		"+ az acr build --registry miacr --resource-group mi-rg --image meetingintel:0123456789ab --build-arg VERSION=0123456789ab",
		"+ az containerapp list --resource-group mi-rg",
		"+ az containerapp create --resource-group mi-rg --name mi-team --environment mi-env --image miacr.azurecr.io/meetingintel:0123456789ab",
		"+ az containerapp secret set --resource-group mi-rg --name mi-team --secrets jwt-secret=*** database-url=*** mcp-auth-tokens=*** metrics-token=***",
		"+ az containerapp update --resource-group mi-rg --name mi-team --yaml",
		"+ az containerapp ingress enable --resource-group mi-rg --name mi-team --type external --target-port 8080",
		"+ az containerapp ingress sticky-sessions set --resource-group mi-rg --name mi-team --affinity sticky",
	}
	at := 0
	for _, s := range steps {
		i := strings.Index(r.out[at:], s)
		if i < 0 {
			t.Fatalf("dry run lacks, or has out of order, %q:\n%s", s, r.out)
		}
		at += i + len(s)
	}
	containsAll(t, "dry run", r.out,
		"--ingress external --target-port 8080", "--min-replicas 1 --max-replicas 3",
		"JWT_SECRET=secretref:jwt-secret", "DATABASE_URL=secretref:database-url", "--registry-identity system",
		"path: /healthz", "path: /readyz", "type: Liveness", "type: Readiness",
		"secretRef: jwt-secret", `value: "team"`, "PUBLIC_URL", "Dry run: nothing was run")
}

func TestARealRunOnAnExistingAppSetsSecretsThenTheTemplate(t *testing.T) {
	r := deploy(t, settings(), true, "team")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.out)
	}
	assertNoSecretPrinted(t, r.out)
	var verbs []string
	for _, c := range r.calls {
		verbs = append(verbs, strings.Join(c[:min(len(c), 3)], " "))
	}
	want := []string{"acr build --registry", "containerapp list --resource-group", "containerapp show --resource-group",
		"containerapp secret set", "containerapp update --resource-group", "containerapp ingress enable",
		"containerapp ingress sticky-sessions", "containerapp show --resource-group"}
	if strings.Join(verbs, "|") != strings.Join(want, "|") {
		t.Fatalf("az calls:\n  %s\nwant\n  %s", strings.Join(verbs, "\n  "), strings.Join(want, "\n  "))
	}
	set := r.call("containerapp", "secret", "set")
	containsAll(t, "secret set", strings.Join(set, "\n"),
		"jwt-secret="+jwtSecret, "database-url="+databaseURL, "mcp-auth-tokens="+mcpAuthTokens, "metrics-token="+metricsToken)
	assertSecretsOnlyIn(t, r, set)
	containsAll(t, "template", r.yaml,
		`value: "https://mi-team.`+domain+`"`, `value: "team"`, "secretRef: database-url", "secretRef: metrics-token",
		"type: Liveness", "path: /healthz", "type: Readiness", "path: /readyz", "port: 8080",
		"minReplicas: 1", "maxReplicas: 3", "image: miacr.azurecr.io/meetingintel:0123456789ab")
	if r.call("containerapp", "create") != nil {
		t.Error("created an app that exists")
	}
	for _, p := range r.yamlAt {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("the template file %s was left behind", p)
		}
	}
}

func TestTheFirstDeploymentCreatesTheAppWithItsPublicURL(t *testing.T) {
	r := deploy(t, settings(), false, "team")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.out)
	}
	assertNoSecretPrinted(t, r.out)
	create := r.call("containerapp", "create")
	if create == nil || r.call("containerapp", "secret", "set") != nil {
		t.Fatalf("calls: %v", r.calls)
	}
	args := strings.Join(create, " ")
	containsAll(t, "create", args,
		"--environment mi-env", "--ingress external", "--target-port 8080", "--min-replicas 1", "--max-replicas 3",
		"PUBLIC_URL=https://mi-team."+domain, "INSTANCE=team", "JWT_SECRET=secretref:jwt-secret",
		"--secrets jwt-secret="+jwtSecret)
	assertSecretsOnlyIn(t, r, create)
	if r.call("containerapp", "env", "show") == nil || r.call("containerapp", "update") == nil ||
		r.call("containerapp", "ingress", "sticky-sessions", "set") == nil {
		t.Fatalf("calls: %v", r.calls)
	}
}

func TestProdDeploysWithOAuthOffAndNoJWTSecret(t *testing.T) {
	set := settings()
	delete(set, "JWT_SECRET_PROD")
	delete(set, "OAUTH_ENABLED_PROD") // default for prod: off
	r := deploy(t, set, true, "prod", "--dry-run")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.out)
	}
	containsAll(t, "prod dry run", r.out, "--name mi-prod", `value: "prod"`, "- name: OAUTH_ENABLED\n                value: \"false\"", "sqlite database")
	if strings.Contains(r.out, "jwt-secret") {
		t.Errorf("prod without OAuth was given a JWT secret:\n%s", r.out)
	}
}

func TestProdWithOAuthNeedsTheExplicitFlag(t *testing.T) {
	set := settings()
	set["OAUTH_ENABLED_PROD"] = "true"
	r := deploy(t, set, true, "prod", "--allow-prod-oauth")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.out)
	}
	setCall := r.call("containerapp", "secret", "set")
	if !strings.Contains(strings.Join(setCall, " "), "jwt-secret="+prodJWT) || !strings.Contains(r.yaml, "secretRef: jwt-secret") {
		t.Fatalf("prod with OAuth got no JWT secret: %v\n%s", setCall, r.yaml)
	}
	assertSecretsOnlyIn(t, r, setCall)
	assertNoSecretPrinted(t, r.out)
}

func TestRefusals(t *testing.T) {
	cases := []struct {
		name string
		edit func(map[string]string)
		args []string
		want string
	}{
		{"prod with OAuth on and no flag", func(s map[string]string) { s["OAUTH_ENABLED_PROD"] = "true" }, []string{"prod"}, "refusing to deploy prod with OAuth on"},
		{"the flag without OAuth on prod", func(s map[string]string) {}, []string{"prod", "--allow-prod-oauth"}, "--allow-prod-oauth is only for prod"},
		{"a missing JWT secret with OAuth on", func(s map[string]string) { delete(s, "JWT_SECRET_TEAM") }, []string{"team"}, "JWT_SECRET (or JWT_SECRET_TEAM) is required"},
		{"a weak JWT secret", func(s map[string]string) { s["JWT_SECRET_TEAM"] = strings.Repeat("x", 31) }, []string{"team"}, "JWT_SECRET for team is too weak"},
		{"a weak shared JWT secret", func(s map[string]string) { delete(s, "JWT_SECRET_TEAM"); s["JWT_SECRET"] = "short" }, []string{"team"}, "JWT_SECRET for team is too weak"},
		{"SQLite with several replicas", func(s map[string]string) { delete(s, "DATABASE_URL_TEAM") }, []string{"team"}, "refusing SQLite with MAX_REPLICAS_TEAM=3"},
		{"a sqlite: URL with several replicas", func(s map[string]string) { s["DATABASE_URL_TEAM"] = "sqlite:/data/mi.db" }, []string{"team"}, "refusing SQLite"},
		{"an unknown database", func(s map[string]string) { s["DATABASE_URL_TEAM"] = "mysql://u:" + dbPassword + "@h/db" }, []string{"team"}, "DATABASE_URL_TEAM must be"},
		{"more minimum than maximum replicas", func(s map[string]string) { s["MIN_REPLICAS_TEAM"] = "4" }, []string{"team"}, "replicas"},
		{"a missing resource group", func(s map[string]string) { delete(s, "AZ_RESOURCE_GROUP") }, []string{"team"}, "AZ_RESOURCE_GROUP is required"},
		{"one app name for both instances", func(s map[string]string) {
			delete(s, "APP_NAME_TEAM")
			delete(s, "APP_NAME_PROD")
			s["APP_NAME"] = "mi"
		}, []string{"team"}, "team and prod would both be the app 'mi'"},
		{"one public URL for both instances", func(s map[string]string) { s["PUBLIC_URL"] = "https://mi.example.com" }, []string{"prod"}, "team and prod would both answer at"},
		{"a short metrics token", func(s map[string]string) { s["METRICS_TOKEN_TEAM"] = "short" }, []string{"team"}, "METRICS_TOKEN_TEAM"},
		{"an unknown instance", func(s map[string]string) {}, []string{"staging"}, "usage: deploy.sh team|prod"},
		{"no instance", func(s map[string]string) {}, []string{"--dry-run"}, "usage: deploy.sh team|prod"},
	}
	for _, c := range cases {
		t.Run(c.name+" is refused before anything runs", func(t *testing.T) {
			set := settings()
			c.edit(set)
			for _, dry := range []bool{false, true} {
				args := c.args
				if dry {
					args = append(append([]string(nil), args...), "--dry-run")
				}
				r := deploy(t, set, true, args...)
				if r.code == 0 || !strings.Contains(r.out, c.want) {
					t.Fatalf("exit %d, want a refusal containing %q:\n%s", r.code, c.want, r.out)
				}
				if len(r.calls) != 0 {
					t.Fatalf("az ran before the refusal: %v", r.calls)
				}
				assertNoSecretPrinted(t, r.out)
			}
		})
	}
}

func TestAMissingSettingsFileIsNamed(t *testing.T) {
	script := scriptPath(t)
	out, err := exec.Command("bash", script, "team", "--dry-run", "--env-file", filepath.Join(t.TempDir(), "nope")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no settings file") {
		t.Fatalf("err %v, output %s", err, out)
	}
}

func TestTheImageTagIsTheCommit(t *testing.T) {
	head, err := exec.Command("git", "-C", "..", "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err) // a source tarball has no commit to tag with
	}
	script := scriptPath(t)
	dir := t.TempDir()
	envFile := filepath.Join(dir, "env")
	var env strings.Builder
	for k, v := range settings() {
		env.WriteString(k + "='" + strings.ReplaceAll(v, "'", "") + "'\n")
	}
	os.WriteFile(envFile, []byte(env.String()), 0o600)
	cmd := exec.Command("bash", script, "team", "--dry-run", "--env-file", envFile)
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + dir}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	re := regexp.MustCompile(`--image meetingintel:` + strings.TrimSpace(string(head)) + `(-dirty-\d{14})? `)
	if !re.Match(out) {
		t.Fatalf("no image tagged with commit %s:\n%s", head, out)
	}
}

// sharedSettings is a .env.deploy as the deployment notes have people write
// it: the Azure settings and the instance settings unsuffixed, for both.
func sharedSettings() map[string]string {
	return map[string]string{
		"AZ_RESOURCE_GROUP":   "mi-rg",
		"AZ_LOCATION":         "westeurope",
		"AZ_ACR_NAME":         "miacr",
		"AZ_CONTAINERAPP_ENV": "mi-env",
		"JWT_SECRET":          jwtSecret,
		"DATABASE_URL":        databaseURL,
		"MCP_AUTH_TOKENS":     mcpAuthTokens,
		"OAUTH_ENABLED":       "true",
	}
}

func TestUnsuffixedSettingsApplyToBothInstances(t *testing.T) {
	team := deploy(t, sharedSettings(), true, "team", "--dry-run")
	if team.code != 0 {
		t.Fatalf("team: exit %d:\n%s", team.code, team.out)
	}
	assertNoSecretPrinted(t, team.out)
	containsAll(t, "team dry run", team.out, "--name meetingintel-team", "postgres database", "OAuth true",
		"jwt-secret=***", "database-url=***", "mcp-auth-tokens=***", "- name: OAUTH_ENABLED\n                value: \"true\"")
	prod := deploy(t, sharedSettings(), true, "prod", "--dry-run", "--allow-prod-oauth")
	if prod.code != 0 {
		t.Fatalf("prod: exit %d:\n%s", prod.code, prod.out)
	}
	containsAll(t, "prod dry run", prod.out, "--name meetingintel-prod", "postgres database", "OAuth true", "jwt-secret=***")
	for _, r := range []run{team, prod} {
		containsAll(t, "warnings", r.out, "warning: team and prod share one JWT_SECRET", "warning: team and prod share one DATABASE_URL")
	}
	// OAuth on prod still takes the flag, wherever OAUTH_ENABLED came from.
	if r := deploy(t, sharedSettings(), true, "prod", "--dry-run"); r.code == 0 || !strings.Contains(r.out, "refusing to deploy prod with OAuth on") {
		t.Errorf("prod with a shared OAUTH_ENABLED=true and no flag: exit %d\n%s", r.code, r.out)
	}
}

func TestSuffixedSettingsOverrideTheShared(t *testing.T) {
	set := sharedSettings()
	set["JWT_SECRET_PROD"] = prodJWT
	set["DATABASE_URL_PROD"] = "sqlite:/data/prod.db"
	set["OAUTH_ENABLED_PROD"] = "false"
	set["APP_NAME_PROD"] = "mi-prod"
	r := deploy(t, set, true, "prod", "--dry-run")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.out)
	}
	assertNoSecretPrinted(t, r.out)
	containsAll(t, "prod dry run", r.out, "--name mi-prod", "sqlite database", "OAuth false")
	if strings.Contains(r.out, "share one") {
		t.Errorf("warned of sharing with separate secrets and databases:\n%s", r.out)
	}
	team := deploy(t, set, true, "team", "--dry-run")
	if team.code != 0 || !strings.Contains(team.out, "postgres database") || strings.Contains(team.out, "share one") {
		t.Errorf("team keeps the shared values and shares nothing with prod: exit %d\n%s", team.code, team.out)
	}
}

func TestAnUnsuffixedSettingInTheEnvironmentIsIgnored(t *testing.T) {
	// A DATABASE_URL exported for a local meetingintel must not reach a deployment.
	extraEnv = []string{"DATABASE_URL=postgres://local:" + dbPassword + "@localhost/mi", "LOG_LEVEL=loud"}
	t.Cleanup(func() { extraEnv = nil })
	set := settings()
	r := deploy(t, set, true, "prod", "--dry-run")
	if r.code != 0 || !strings.Contains(r.out, "sqlite database") {
		t.Errorf("exit %d, want prod on SQLite as its file says:\n%s", r.code, r.out)
	}
}

func TestTheTemplateFilledInTheSharedWayDryRuns(t *testing.T) {
	// .env.deploy.template with its per-instance secrets left empty and the
	// shared ones added unsuffixed, as the deployment notes (README,
	// docs/deploy.md, the template's own header) tell people: both
	// instances dry-run, each with every shared value.
	tpl, err := os.ReadFile("../.env.deploy.template")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	envFile := filepath.Join(dir, ".env.deploy")
	body := string(tpl) + "\nJWT_SECRET=" + jwtSecret + "\nDATABASE_URL=" + databaseURL +
		"\nMCP_AUTH_TOKENS='" + mcpAuthTokens + "'\nOAUTH_ENABLED=true\n"
	if err := os.WriteFile(envFile, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		instance string
		want     []string
	}{
		// The template's OAUTH_ENABLED_TEAM=true and OAUTH_ENABLED_PROD=false
		// override the unsuffixed OAUTH_ENABLED.
		{"team", []string{"--name meetingintel-team", "OAuth true", "jwt-secret=***"}},
		{"prod", []string{"--name meetingintel-prod", "OAuth false"}},
	} {
		cmd := exec.Command("bash", scriptPath(t), tc.instance, "--dry-run", "--env-file", envFile)
		cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + dir, "IMAGE_TAG=0123456789ab"}
		b, err := cmd.CombinedOutput()
		out := string(b)
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.instance, err, out)
		}
		assertNoSecretPrinted(t, out)
		containsAll(t, tc.instance+" dry run", out, append(tc.want, "Dry run: nothing was run", "postgres database",
			"database-url=***", "mcp-auth-tokens=***", "warning: team and prod share one DATABASE_URL")...)
	}
}

func TestRateLimitAndRetentionSettingsReachTheApp(t *testing.T) {
	set := settings()
	set["MCP_RATE_PER_MIN_TEAM"] = "300"
	set["AUDIT_RETENTION_DAYS"] = "90" // unsuffixed: both instances
	set["API_RATE_PER_MIN_PROD"] = "5" // the other instance's: not here
	set["SEARCH_LOG_RETENTION_TEAM"] = "72h"
	r := deploy(t, set, true, "team")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.out)
	}
	containsAll(t, "template", r.yaml, "name: MCP_RATE_PER_MIN", `value: "300"`, "name: AUDIT_RETENTION_DAYS", `value: "90"`,
		"name: SEARCH_LOG_RETENTION", `value: "72h"`)
	if strings.Contains(r.yaml, "API_RATE_PER_MIN") {
		t.Errorf("the template holds another instance's setting:\n%s", r.yaml)
	}
	set["MCP_RATE_PER_MIN_TEAM"] = "lots"
	if r := deploy(t, set, true, "team"); r.code == 0 || !strings.Contains(r.out, "MCP_RATE_PER_MIN (or MCP_RATE_PER_MIN_TEAM) must be a whole number") {
		t.Errorf("a bad number: exit %d:\n%s", r.code, r.out)
	}
	set["MCP_RATE_PER_MIN_TEAM"] = "300"
	set["SEARCH_LOG_RETENTION_TEAM"] = "two days"
	if r := deploy(t, set, true, "team"); r.code == 0 || !strings.Contains(r.out, "SEARCH_LOG_RETENTION (or SEARCH_LOG_RETENTION_TEAM) must be a duration") {
		t.Errorf("a bad duration: exit %d:\n%s", r.code, r.out)
	}
}

func TestSingleSignOnSettingsReachTheAppWithTheSecretAsASecret(t *testing.T) {
	const entraSecret = "entra~client~secret~value~0123"
	set := settings()
	set["ENTRA_TENANT_ID_TEAM"] = "8f3a2c1e-0000-4000-8000-000000000001"
	set["ENTRA_CLIENT_ID_TEAM"] = "11111111-2222-3333-4444-555555555555"
	set["ENTRA_CLIENT_SECRET_TEAM"] = entraSecret
	set["OIDC_ADMIN_CLAIM"] = "roles=Admin" // unsuffixed: both instances
	set["PAT_SIGNIN_PROD"] = "false"        // the other instance's: not here
	r := deploy(t, set, true, "team")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.out)
	}
	if strings.Contains(r.out, entraSecret) {
		t.Fatalf("the output shows the Entra client secret:\n%s", r.out)
	}
	secrets := r.call("containerapp", "secret", "set")
	containsAll(t, "secret set", strings.Join(secrets, "\n"), "entra-client-secret="+entraSecret)
	containsAll(t, "template", r.yaml,
		"name: ENTRA_TENANT_ID", `value: "8f3a2c1e-0000-4000-8000-000000000001"`,
		"name: ENTRA_CLIENT_ID", "name: OIDC_ADMIN_CLAIM", `value: "roles=Admin"`,
		"name: ENTRA_CLIENT_SECRET", "secretRef: entra-client-secret")
	if strings.Contains(r.yaml, entraSecret) || strings.Contains(r.yaml, "PAT_SIGNIN") {
		t.Errorf("the template holds the secret or another instance's setting:\n%s", r.yaml)
	}
}
