#!/usr/bin/env bash
# deploy.sh: build the image in Azure Container Registry and deploy one
# instance (team or prod) to Azure Container Apps.
#
#   ./deploy.sh team|prod [--dry-run] [--allow-prod-oauth] [--env-file FILE]
#
# Settings come from .env.deploy beside this script (git-ignored; see
# .env.deploy.template). A per-instance setting (JWT_SECRET, DATABASE_URL,
# MCP_AUTH_TOKENS, OAUTH_ENABLED, ...) may be written unsuffixed, for both
# instances, and NAME_TEAM / NAME_PROD override it for one. Secrets go to
# the app as Container Apps secrets and reach the container as secretref
# env vars; this script never prints one (every secret value is shown as
# ***). --dry-run prints every command it would run and runs nothing, not
# even read-only lookups (their answers are shown as <placeholders>).
#
# What it refuses, before running anything:
#   - prod with OAuth on, unless --allow-prod-oauth is given as well as
#     OAUTH_ENABLED_PROD=true (a setting in a file can be copied by mistake;
#     the flag is a decision made now);
#   - OAuth on without a JWT_SECRET of at least 32 bytes;
#   - SQLite (DATABASE_URL empty or sqlite:) with more than one replica:
#     replicas would each have their own database;
#   - missing settings;
#   - team and prod resolving to the same app or the same PUBLIC_URL.
# It warns when both instances would share one JWT_SECRET or one database.
#
# Several replicas: /mcp is stateless, but a legacy SSE stream lives in one
# replica and its POST /messages must reach the same one, so ingress session
# affinity is set to sticky.
set -euo pipefail

readonly PORT=8080
readonly CONTAINER_NAME=meetingintel
readonly MIN_SECRET_LEN=32

die() { echo "deploy.sh: $*" >&2; exit 1; }
usage() {
	echo "usage: deploy.sh team|prod [--dry-run] [--allow-prod-oauth] [--env-file FILE]" >&2
	exit 2
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
instance="" dry_run=false allow_prod_oauth=false env_file="$here/.env.deploy"
while [ $# -gt 0 ]; do
	case "$1" in
	team | prod) [ -z "$instance" ] || usage; instance="$1" ;;
	--dry-run) dry_run=true ;;
	--allow-prod-oauth) allow_prod_oauth=true ;;
	--env-file) [ $# -ge 2 ] || usage; env_file="$2"; shift ;;
	--env-file=*) env_file="${1#--env-file=}" ;;
	-h | --help) usage ;;
	*) echo "deploy.sh: unknown argument: $1" >&2; usage ;;
	esac
	shift
done
[ -n "$instance" ] || usage
suffix="$(printf '%s' "$instance" | tr '[:lower:]' '[:upper:]')"

# --- settings ---------------------------------------------------------------

# load_env reads KEY=VALUE lines without evaluating them (a settings file
# must not be able to run code): surrounding quotes are removed, and an
# unquoted value ends at " #".
load_env() {
	local file="$1" line key val n=0
	[ -f "$file" ] || die "no settings file $file (copy .env.deploy.template to .env.deploy and fill it in)"
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		line="${line%$'\r'}"
		[[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
		[[ "$line" =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] ||
			die "$file line $n: not KEY=VALUE"
		key="${BASH_REMATCH[2]}" val="${BASH_REMATCH[3]}"
		val="${val#"${val%%[![:space:]]*}"}"
		if [[ "$val" =~ ^\"(.*)\"[[:space:]]*(#.*)?$ ]] || [[ "$val" =~ ^\'(.*)\'[[:space:]]*(#.*)?$ ]]; then
			val="${BASH_REMATCH[1]}"
		elif [[ "$val" == \#* ]]; then
			val=""
		else
			val="${val%%[[:space:]]#*}"
			val="${val%"${val##*[![:space:]]}"}"
		fi
		# The environment wins over the file, so CI can inject secrets.
		if [ -z "${!key+set}" ]; then
			printf -v "$key" '%s' "$val"
		fi
	done <"$file"
}
# Per-instance settings. Unsuffixed, they are read from the settings file
# only: a DATABASE_URL or LOG_LEVEL exported for a local meetingintel must
# not slip into a deployment (CI injects NAME_TEAM / NAME_PROD instead).
# Single sign-on (README, "Single sign-on"): plain settings, and the
# client secrets, which go in as Container Apps secrets.
readonly SSO_KEYS=(ENTRA_TENANT_ID ENTRA_CLIENT_ID ENTRA_ALLOWED_TENANTS ENTRA_SCOPES ENTRA_AUTHORITY GOOGLE_CLIENT_ID
	OIDC_ISSUER OIDC_CLIENT_ID OIDC_SCOPES OIDC_NAME SSO_ALLOWED_DOMAINS SSO_JIT SSO_ADMIN_EMAILS OIDC_ADMIN_CLAIM PAT_SIGNIN)
readonly SSO_SECRET_KEYS=(ENTRA_CLIENT_SECRET GOOGLE_CLIENT_SECRET OIDC_CLIENT_SECRET)
# Whole-number tunings passed through when set (the app's defaults otherwise).
readonly NUMBER_KEYS=(MCP_RATE_PER_MIN API_RATE_PER_MIN AUDIT_RETENTION_DAYS)
# Go durations passed through when set (48h, 90m, 1h30m).
readonly DURATION_KEYS=(SEARCH_LOG_RETENTION)
readonly INSTANCE_KEYS=(APP_NAME JWT_SECRET DATABASE_URL MCP_AUTH_TOKENS METRICS_TOKEN ADMIN_EMAIL LOG_LEVEL PUBLIC_URL MIN_REPLICAS MAX_REPLICAS OAUTH_ENABLED
	"${SSO_KEYS[@]}" "${SSO_SECRET_KEYS[@]}" "${NUMBER_KEYS[@]}" "${DURATION_KEYS[@]}")
for k in "${INSTANCE_KEYS[@]}"; do unset "$k"; done
load_env "$env_file"

# setting_for INSTANCE NAME: NAME_INSTANCE if set, else the unsuffixed NAME.
setting_for() {
	local n="${2}_$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]')"
	if [ -n "${!n:-}" ]; then printf '%s' "${!n}"; else printf '%s' "${!2:-}"; fi
}
# setting NAME: the value for the instance being deployed.
setting() { setting_for "$instance" "$1"; }
require() { [ -n "${!1:-}" ] || die "$1 is required in $env_file"; }
other=team
if [ "$instance" = team ]; then other=prod; fi

for v in AZ_RESOURCE_GROUP AZ_LOCATION AZ_ACR_NAME AZ_CONTAINERAPP_ENV; do require "$v"; done
app="$(setting APP_NAME)"; app="${app:-meetingintel-$instance}"
other_app="$(setting_for "$other" APP_NAME)"; other_app="${other_app:-meetingintel-$other}"
[ "$app" != "$other_app" ] ||
	die "team and prod would both be the app '$app': set APP_NAME_TEAM and APP_NAME_PROD (an unsuffixed APP_NAME applies to both)"
if [ -n "$(setting PUBLIC_URL)" ] && [ "$(setting PUBLIC_URL)" = "$(setting_for "$other" PUBLIC_URL)" ]; then
	die "team and prod would both answer at $(setting PUBLIC_URL): set PUBLIC_URL_TEAM and PUBLIC_URL_PROD (an unsuffixed PUBLIC_URL applies to both)"
fi
rg="$AZ_RESOURCE_GROUP"
image_name="${IMAGE_NAME:-meetingintel}"
cpu="${CONTAINER_CPU:-0.5}" memory="${CONTAINER_MEMORY:-1Gi}"

jwt_secret="$(setting JWT_SECRET)"
database_url="$(setting DATABASE_URL)"
mcp_auth_tokens="$(setting MCP_AUTH_TOKENS)"
metrics_token="$(setting METRICS_TOKEN)"
admin_email="$(setting ADMIN_EMAIL)"
log_level="$(setting LOG_LEVEL)"; log_level="${log_level:-info}"
public_url="$(setting PUBLIC_URL)"
min_replicas="$(setting MIN_REPLICAS)"; min_replicas="${min_replicas:-1}"
max_replicas="$(setting MAX_REPLICAS)"; max_replicas="${max_replicas:-1}"

# OAuth: on for team, off for prod unless set (DESIGN §3), and on prod only
# with --allow-prod-oauth.
oauth="$(setting OAUTH_ENABLED | tr '[:upper:]' '[:lower:]')"
case "$oauth" in
"") [ "$instance" = prod ] && oauth=false || oauth=true ;;
true | 1 | yes | on) oauth=true ;;
false | 0 | no | off) oauth=false ;;
*) die "OAUTH_ENABLED (or OAUTH_ENABLED_$suffix) must be true or false, not '$oauth'" ;;
esac
if [ "$instance" = prod ] && [ "$oauth" = true ] && [ "$allow_prod_oauth" != true ]; then
	die "refusing to deploy prod with OAuth on: OAUTH_ENABLED_PROD=true needs --allow-prod-oauth on the command line too"
fi
if [ "$allow_prod_oauth" = true ] && ! { [ "$instance" = prod ] && [ "$oauth" = true ]; }; then
	die "--allow-prod-oauth is only for prod with OAUTH_ENABLED_PROD=true"
fi
if [ "$oauth" = true ]; then
	[ -n "$jwt_secret" ] || die "JWT_SECRET (or JWT_SECRET_$suffix) is required when OAuth is on (at least $MIN_SECRET_LEN bytes: openssl rand -base64 48)"
	[ "$(printf '%s' "$jwt_secret" | wc -c)" -ge "$MIN_SECRET_LEN" ] ||
		die "JWT_SECRET for $instance is too weak: at least $MIN_SECRET_LEN bytes (openssl rand -base64 48)"
fi
if [ -n "$metrics_token" ] && [ "${#metrics_token}" -lt 16 ]; then
	die "METRICS_TOKEN_$suffix must be at least 16 characters (openssl rand -hex 24)"
fi

[[ "$min_replicas" =~ ^[0-9]+$ && "$max_replicas" =~ ^[0-9]+$ ]] || die "MIN_REPLICAS_$suffix and MAX_REPLICAS_$suffix must be whole numbers"
{ [ "$max_replicas" -ge 1 ] && [ "$min_replicas" -le "$max_replicas" ]; } ||
	die "replicas: need 1 <= MAX_REPLICAS_$suffix and MIN_REPLICAS_$suffix <= MAX_REPLICAS_$suffix"
case "$database_url" in
postgres://* | postgresql://*) store=postgres ;;
"" | sqlite:*) store=sqlite ;;
*) die "DATABASE_URL_$suffix must be postgres://... or sqlite:PATH (or empty for SQLite in the replica)" ;;
esac
if [ "$store" = sqlite ] && [ "$max_replicas" -gt 1 ]; then
	die "refusing SQLite with MAX_REPLICAS_$suffix=$max_replicas: each replica would have its own database; set DATABASE_URL_$suffix to PostgreSQL or MAX_REPLICAS_$suffix=1"
fi
case "$log_level" in debug | info | warn | warning | error) ;; *) die "LOG_LEVEL_$suffix must be debug, info, warn or error" ;; esac
if [ -n "$admin_email" ] && ! [[ "$admin_email" =~ ^[^[:space:]\"\\@]+@[^[:space:]\"\\@]+$ ]]; then
	die "ADMIN_EMAIL_$suffix is not an email address"
fi
if [ -n "$public_url" ] && ! [[ "$public_url" =~ ^https://[A-Za-z0-9.-]+(:[0-9]+)?$ ]]; then
	die "PUBLIC_URL_$suffix must be https://host (no path), not '$public_url'"
fi
[[ "$cpu" =~ ^[0-9.]+$ && "$memory" =~ ^[0-9.]+Gi$ ]] || die "CONTAINER_CPU / CONTAINER_MEMORY look wrong ('$cpu', '$memory')"

# --- image tag ----------------------------------------------------------------

# The tag is the commit, so a revision names the code it runs; a build of
# uncommitted changes gets a unique -dirty tag so it never reuses one.
tag="${IMAGE_TAG:-}"
if [ -z "$tag" ]; then
	tag="$(git -C "$here" rev-parse --short=12 HEAD 2>/dev/null)" || die "not a git checkout: set IMAGE_TAG"
	if [ -n "$(git -C "$here" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
		tag="$tag-dirty-$(date -u +%Y%m%d%H%M%S)"
	fi
fi
[[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "IMAGE_TAG '$tag' is not a valid image tag"
registry="$AZ_ACR_NAME.azurecr.io"
image="$registry/$image_name:$tag"

# --- running commands, secrets masked --------------------------------------------

secrets_to_mask=()
for s in "$jwt_secret" "$database_url" "$mcp_auth_tokens" "$metrics_token"; do
	if [ -n "$s" ]; then secrets_to_mask+=("$s"); fi
done
for k in "${SSO_SECRET_KEYS[@]}"; do
	s="$(setting "$k")"
	if [ -n "$s" ]; then secrets_to_mask+=("$s"); fi
done
# The password inside a database URL is masked on its own too, in case a
# URL is ever shown in a form other than the whole.
if [[ "$database_url" =~ ^[a-z]+://[^:/@]*:([^@]+)@ ]]; then
	secrets_to_mask+=("${BASH_REMATCH[1]}")
fi

mask() {
	local s="$1" x
	for x in "${secrets_to_mask[@]+"${secrets_to_mask[@]}"}"; do
		s="${s//"$x"/***}"
	done
	printf '%s' "$s"
}

# show prints a command the way a shell would take it, secrets masked.
show() {
	local out="+" a
	for a in "$@"; do
		a="$(mask "$a")"
		if [[ "$a" =~ ^[A-Za-z0-9_./:=@,+*%-]+$ ]]; then
			out+=" $a"
		else
			out+=" '${a//\'/\'\\\'\'}'"
		fi
	done
	printf '%s\n' "$out"
}

# run prints a command and, unless --dry-run, runs it.
run() {
	show "$@"
	if [ "$dry_run" = false ]; then
		"$@"
	fi
}

# lookup runs a read-only query and prints its answer; --dry-run prints
# the command and answers the placeholder instead.
lookup() {
	local placeholder="$1"
	shift
	if [ "$dry_run" = true ]; then
		show "$@" >&2
		printf '%s' "$placeholder"
		return
	fi
	"$@"
}

step() { printf '\n== %s\n' "$*"; }

# --- the deployment --------------------------------------------------------------

note=""
if [ "$dry_run" = true ]; then note=" (dry run: nothing is run)"; fi
echo "Deploying $instance: app $app in $rg, image $image, $store database, OAuth $oauth, replicas $min_replicas..$max_replicas$note"
if [ -n "$jwt_secret" ] && [ "$jwt_secret" = "$(setting_for "$other" JWT_SECRET)" ]; then
	echo "warning: team and prod share one JWT_SECRET: each instance should have its own (JWT_SECRET_TEAM and JWT_SECRET_PROD; openssl rand -base64 48), so a leak or a rotation touches one." >&2
fi
if [ -n "$database_url" ] && [ "$database_url" = "$(setting_for "$other" DATABASE_URL)" ]; then
	echo "warning: team and prod share one DATABASE_URL, so one database: set DATABASE_URL_TEAM and DATABASE_URL_PROD unless that is meant." >&2
fi
if [ "$store" = sqlite ]; then
	echo "warning: SQLite lives in the replica's own disk and is lost when the replica is replaced; use PostgreSQL (DATABASE_URL_$suffix) for anything kept." >&2
fi

if [ -n "${AZ_SUBSCRIPTION:-}" ]; then
	step "subscription"
	run az account set --subscription "$AZ_SUBSCRIPTION"
fi

step "build the image in $AZ_ACR_NAME"
run az acr build --registry "$AZ_ACR_NAME" --resource-group "$rg" --image "$image_name:$tag" \
	--build-arg "VERSION=$tag" --file "$here/Dockerfile" "$here"

step "find the app"
exists="$(lookup "<exists?>" az containerapp list --resource-group "$rg" --query "[?name=='$app'].name" --output tsv)"
if [ "$dry_run" = true ]; then
	echo "(dry run: if the app does not exist yet, create runs instead of secret set; both are shown)"
fi

# Secrets: name=value pairs for the app, and the env vars that refer to them.
secret_args=() secret_env=()
add_secret() {
	local name="$1" env="$2" value="$3"
	[ -n "$value" ] || return 0
	secret_args+=("$name=$value")
	secret_env+=("$env:$name")
}
add_secret jwt-secret JWT_SECRET "$jwt_secret"
add_secret database-url DATABASE_URL "$database_url"
add_secret mcp-auth-tokens MCP_AUTH_TOKENS "$mcp_auth_tokens"
add_secret metrics-token METRICS_TOKEN "$metrics_token"
for k in "${SSO_SECRET_KEYS[@]}"; do
	add_secret "$(printf '%s' "$k" | tr '[:upper:]_' '[:lower:]-')" "$k" "$(setting "$k")"
done

if [ -z "$public_url" ]; then
	if [ "$exists" = "$app" ]; then
		fqdn="$(lookup "<fqdn of $app>" az containerapp show --resource-group "$rg" --name "$app" \
			--query properties.configuration.ingress.fqdn --output tsv)"
	else
		# A new app's FQDN is its name under the environment's domain, known
		# before it exists, so the first revision starts with its PUBLIC_URL.
		domain="$(lookup "<default domain of $AZ_CONTAINERAPP_ENV>" az containerapp env show --resource-group "$rg" \
			--name "$AZ_CONTAINERAPP_ENV" --query properties.defaultDomain --output tsv)"
		fqdn="$app.$domain"
	fi
	[ -n "$fqdn" ] || die "could not find the FQDN of $app (is its ingress enabled?)"
	public_url="https://$fqdn"
fi

# Plain env vars, and secret references (never values) for the rest.
env_vars=("INSTANCE=$instance" "PUBLIC_URL=$public_url" "ADDR=0.0.0.0:$PORT" "OAUTH_ENABLED=$oauth" "LOG_LEVEL=$log_level")
if [ -n "$admin_email" ]; then env_vars+=("ADMIN_EMAIL=$admin_email"); fi
for k in "${SSO_KEYS[@]}"; do
	v="$(setting "$k")"
	case "$v" in *'"'* | *'\'*) die "$k must not contain quotes or backslashes" ;; esac
	if [ -n "$v" ]; then env_vars+=("$k=$v"); fi
done
for k in "${NUMBER_KEYS[@]}"; do
	v="$(setting "$k")"
	case "$v" in '') ;; *[!0-9]*) die "$k (or ${k}_$suffix) must be a whole number, not '$v'" ;; *) env_vars+=("$k=$v") ;; esac
done
for k in "${DURATION_KEYS[@]}"; do
	v="$(setting "$k")"
	[ -z "$v" ] && continue
	[[ "$v" =~ ^([0-9]+(\.[0-9]+)?(h|m|s|ms))+$ ]] || die "$k (or ${k}_$suffix) must be a duration such as 48h or 90m, not '$v'"
	env_vars+=("$k=$v")
done
# With no DATABASE_URL secret the image's default applies: SQLite in /data.

if [ "$exists" != "$app" ] || [ "$dry_run" = true ]; then
	step "create the app (first deployment)"
	create_env=("${env_vars[@]}")
	for e in "${secret_env[@]+"${secret_env[@]}"}"; do create_env+=("${e%%:*}=secretref:${e#*:}"); done
	create=(az containerapp create --resource-group "$rg" --name "$app" --environment "$AZ_CONTAINERAPP_ENV"
		--image "$image" --container-name "$CONTAINER_NAME" --registry-server "$registry" --registry-identity system
		--ingress external --target-port "$PORT" --transport auto --revisions-mode single
		--min-replicas "$min_replicas" --max-replicas "$max_replicas" --cpu "$cpu" --memory "$memory"
		--env-vars "${create_env[@]}")
	if [ ${#secret_args[@]} -gt 0 ]; then
		create+=(--secrets "${secret_args[@]}")
	fi
	run "${create[@]}" --output none
fi
if { [ "$exists" = "$app" ] || [ "$dry_run" = true ]; } && [ ${#secret_args[@]} -gt 0 ]; then
	step "update the secrets (existing app)"
	run az containerapp secret set --resource-group "$rg" --name "$app" --secrets "${secret_args[@]}" --output none
fi

# The template (image, env, probes, scale) goes in as YAML, the only way the
# CLI sets health probes. It holds secret names, never secret values.
yaml_env=""
for kv in "${env_vars[@]}"; do
	yaml_env+="          - name: ${kv%%=*}
            value: \"${kv#*=}\"
"
done
for e in "${secret_env[@]+"${secret_env[@]}"}"; do
	yaml_env+="          - name: ${e%%:*}
            secretRef: ${e#*:}
"
done
template="properties:
  template:
    terminationGracePeriodSeconds: 30
    containers:
      - name: $CONTAINER_NAME
        image: $image
        resources:
          cpu: $cpu
          memory: $memory
        env:
${yaml_env}        probes:
          - type: Startup
            httpGet:
              path: /healthz
              port: $PORT
            periodSeconds: 2
            failureThreshold: 30
          - type: Liveness
            httpGet:
              path: /healthz
              port: $PORT
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          - type: Readiness
            httpGet:
              path: /readyz
              port: $PORT
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 3
    scale:
      minReplicas: $min_replicas
      maxReplicas: $max_replicas
"
step "update the template: image, env, health probes, replicas"
if [ "$dry_run" = true ]; then
	yaml_file="<template.yaml>"
else
	yaml_file="$(mktemp "${TMPDIR:-/tmp}/meetingintel-deploy.XXXXXX")"
	trap 'rm -f "$yaml_file"' EXIT
	printf '%s' "$template" >"$yaml_file"
fi
echo "$yaml_file:"
mask "$template" | sed 's/^/    /'
run az containerapp update --resource-group "$rg" --name "$app" --yaml "$yaml_file" --output none

step "ingress: external on 443 -> $PORT, sticky sessions (SSE streams live in one replica)"
run az containerapp ingress enable --resource-group "$rg" --name "$app" --type external --target-port "$PORT" --transport auto --output none
run az containerapp ingress sticky-sessions set --resource-group "$rg" --name "$app" --affinity sticky --output none

step "check"
fqdn_now="$(lookup "${public_url#https://}" az containerapp show --resource-group "$rg" --name "$app" \
	--query properties.configuration.ingress.fqdn --output tsv)"
if [ -z "$(setting PUBLIC_URL)" ] && [ "https://$fqdn_now" != "$public_url" ]; then
	die "the app's FQDN is $fqdn_now but PUBLIC_URL was set to $public_url; run deploy.sh again to correct it"
fi
if [ "$dry_run" = true ]; then
	echo "Dry run: nothing was run. A real run deploys $instance at $public_url (image tag $tag)."
	exit 0
fi
echo "Deployed $instance at $public_url (image tag $tag)."
echo "Health: $public_url/healthz  readiness: $public_url/readyz  MCP: $public_url/mcp"
