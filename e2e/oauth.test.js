// End-to-end OAuth tests through the real server with real clients: the
// official TypeScript SDK client as ChatGPT and as mcp-remote connect, over
// Streamable HTTP (/mcp) and legacy SSE (/sse), and oauth4webapi, a strict
// OAuth client. A test "user" fills the consent page with fetch(), as a
// browser would. It needs a running server with OAuth on: MI_URL (e.g.
// http://127.0.0.1:8080) and MI_TOKEN (that user's PAT). The Go test
// cmd/meetingintel TestTheTypeScriptSDKAndOAuth4WebAPIConnectWithOAuth runs it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { auth, UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import * as oauth from "oauth4webapi";

const base = process.env.MI_URL;
const pat = process.env.MI_TOKEN;
const expectMeeting = process.env.MI_EXPECT_MEETING;
const skip = !base || !pat ? "set MI_URL and MI_TOKEN (a server with OAuth on) to run" : false;

const unescapeHTML = (s) =>
  s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCharCode(parseInt(n, 16)))
    .replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

// consentForm finds <form method="post" id="consent"> and its hidden fields.
function consentForm(html, pageURL) {
  const m = html.match(/<form method="post" id="consent"([^>]*)>([\s\S]*?)<\/form>/);
  assert.ok(m, `the page has the consent form:\n${html.slice(0, 1500)}`);
  const action = m[1].match(/action="([^"]*)"/);
  const fields = new URLSearchParams();
  for (const h of m[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.set(h[1], unescapeHTML(h[2]));
  }
  return { action: new URL(action ? unescapeHTML(action[1]) : pageURL, pageURL), fields };
}

async function submit(form, extra) {
  const body = new URLSearchParams(form.fields);
  for (const [k, v] of Object.entries(extra)) body.set(k, v);
  return fetch(form.action, {
    method: "POST", body, redirect: "manual", signal: AbortSignal.timeout(10_000),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
}

// approve is the person in the browser: open the page, sign in with the
// PAT, press Allow; it returns the URL the browser is sent back to.
async function approve(authorizationURL) {
  const page = await fetch(authorizationURL, { redirect: "manual", signal: AbortSignal.timeout(10_000) });
  const html = await page.text();
  assert.equal(page.status, 200, html.slice(0, 1500));
  assert.match(html, /name="token"/, "the page asks to sign in");
  const signedIn = await submit(consentForm(html, authorizationURL), { token: pat });
  const step2 = await signedIn.text();
  assert.equal(signedIn.status, 200, step2.slice(0, 1500));
  assert.match(step2, /name="decision" value="approve"/);
  assert.match(step2, /value="deny"/);
  const done = await submit(consentForm(step2, authorizationURL), { decision: "approve" });
  assert.ok([302, 303].includes(done.status), `approve answers a redirect, not ${done.status}`);
  return new URL(done.headers.get("location"));
}

// Provider is an OAuthClientProvider that keeps everything in memory, as a
// connector does for one server, and consents through approve().
class Provider {
  constructor(metadata) {
    this.metadata = metadata;
    this.authorizationURLs = [];
  }
  get redirectUrl() { return this.metadata.redirect_uris[0]; }
  get clientMetadata() { return this.metadata; }
  state() { this.lastState = randomUUID(); return this.lastState; }
  clientInformation() { return this.client; }
  saveClientInformation(c) { this.client = c; }
  tokens() { return this.saved; }
  saveTokens(t) { this.saved = t; }
  saveCodeVerifier(v) { this.verifier = v; }
  codeVerifier() { return this.verifier; }
  async redirectToAuthorization(url) {
    this.authorizationURLs.push(url);
    this.back = await approve(url);
  }
}

// recorder is a fetch that remembers every request: method, path, headers, body.
function recorder() {
  const seen = [];
  const f = async (input, init = {}) => {
    const req = new Request(input, init);
    const body = req.method === "POST" ? await req.clone().text() : "";
    seen.push({ method: req.method, path: new URL(req.url).pathname, headers: req.headers, body });
    return fetch(input, { ...init, signal: init.signal ?? AbortSignal.timeout(15_000) });
  };
  f.seen = seen;
  return f;
}

async function listMeetings(client) {
  const res = await client.callTool({ name: "list_meetings", arguments: { limit: 100 } });
  assert.equal(res.isError ?? false, false, JSON.stringify(res.content));
  assert.ok(Array.isArray(res.structuredContent?.meetings), "structured meetings");
  return res.structuredContent.meetings.map((m) => m.title);
}

// connectAndUse runs the whole flow as a connector does: a first connect
// gets the 401 and goes through discovery, registration and consent; the
// code comes back through finishAuth; a second connect works.
async function connectAndUse({ path, metadata }) {
  const serverURL = new URL(`${base}${path}`);
  const provider = new Provider(metadata);
  const fetchLog = recorder();
  const transport = () => path === "/sse"
    ? new SSEClientTransport(serverURL, { authProvider: provider, fetch: fetchLog })
    : new StreamableHTTPClientTransport(serverURL, { authProvider: provider, fetch: fetchLog });

  const first = transport();
  await assert.rejects(new Client({ name: "e2e", version: "1" }).connect(first), UnauthorizedError);
  assert.equal(provider.authorizationURLs.length, 1, "one consent");
  const au = provider.authorizationURLs[0];
  assert.equal(au.searchParams.get("resource"), serverURL.href, "resource on the authorization request");
  assert.equal(au.searchParams.get("code_challenge_method"), "S256");
  assert.equal(au.searchParams.get("redirect_uri"), metadata.redirect_uris[0]);
  const back = provider.back;
  assert.equal(back.origin + back.pathname, metadata.redirect_uris[0], "back to the registered redirect");
  assert.equal(back.searchParams.get("state"), provider.lastState, "state comes back");
  assert.equal(back.searchParams.get("iss"), base, "RFC 9207 iss");
  await first.finishAuth(back.searchParams.get("code"));
  await first.close().catch(() => {});

  const reg = fetchLog.seen.find((r) => r.path === "/oauth/register");
  assert.ok(reg, "registered dynamically");
  assert.equal(JSON.parse(reg.body).token_endpoint_auth_method, metadata.token_endpoint_auth_method);
  assert.equal(provider.client.token_endpoint_auth_method, metadata.token_endpoint_auth_method, "method echoed");
  assert.equal(Boolean(provider.client.client_secret), metadata.token_endpoint_auth_method !== "none", "a secret only for confidential clients");
  const tokenReq = fetchLog.seen.find((r) => r.path === "/oauth/token");
  const form = new URLSearchParams(tokenReq.body);
  assert.equal(form.get("grant_type"), "authorization_code");
  assert.equal(form.get("resource"), serverURL.href, "resource on the token request");
  checkClientAuth(tokenReq, form, provider.client, metadata.token_endpoint_auth_method);
  assert.ok(provider.saved?.access_token && provider.saved?.refresh_token, "tokens saved");

  const use = async () => {
    const client = new Client({ name: "e2e", version: "1" });
    await client.connect(transport());
    try {
      const { tools } = await client.listTools();
      assert.equal(tools.length, 28); // DESIGN §5, the replaced system's extra tools and its workspace tools (§12)
      const titles = await listMeetings(client);
      if (expectMeeting) assert.ok(titles.includes(expectMeeting), `list_meetings shows ${expectMeeting}: ${titles}`);
    } finally {
      await client.close();
    }
  };
  await use();

  // Refresh: auth() with a refresh token rotates it; the new token works.
  const before = provider.saved;
  const n = fetchLog.seen.length;
  assert.equal(await auth(provider, { serverUrl: serverURL, fetchFn: fetchLog }), "AUTHORIZED");
  assert.notEqual(provider.saved.access_token, before.access_token, "a new access token");
  assert.ok(provider.saved.refresh_token && provider.saved.refresh_token !== before.refresh_token, "the refresh token rotated");
  const refreshReq = fetchLog.seen.slice(n).find((r) => r.path === "/oauth/token");
  const rform = new URLSearchParams(refreshReq.body);
  assert.equal(rform.get("grant_type"), "refresh_token");
  checkClientAuth(refreshReq, rform, provider.client, metadata.token_endpoint_auth_method);
  assert.equal(provider.authorizationURLs.length, 1, "no second consent");
  await use();
}

function checkClientAuth(req, form, client, method) {
  assert.equal(form.get("client_id"), client.client_id);
  if (method === "client_secret_post") {
    assert.equal(form.get("client_secret"), client.client_secret, "secret in the body");
  } else {
    assert.equal(form.get("client_secret"), null, "no secret");
  }
  assert.equal(req.headers.get("authorization"), null, "no Basic header");
}

const chatgpt = () => ({
  client_name: "ChatGPT",
  redirect_uris: ["https://chatgpt.com/connector_platform_oauth_redirect"],
  grant_types: ["authorization_code", "refresh_token"],
  response_types: ["code"],
  token_endpoint_auth_method: "client_secret_post",
});

const mcpRemote = () => ({
  client_name: "MCP CLI Proxy",
  redirect_uris: [`http://localhost:${20000 + Math.floor(Math.random() * 20000)}/oauth/callback`],
  grant_types: ["authorization_code", "refresh_token"],
  response_types: ["code"],
  token_endpoint_auth_method: "none",
  client_uri: "https://github.com/modelcontextprotocol/mcp-cli",
  software_id: "2e6dc280-f3c3-4e01-99a7-8181dbd1d23d",
  software_version: "0.1.0",
});

// The SDK warns on console when it meets something it does not expect;
// any warning fails the test.
function noWarnings(t) {
  const warned = [];
  const orig = console.warn;
  console.warn = (...a) => { warned.push(a.join(" ")); };
  t.after(() => { console.warn = orig; });
  return () => assert.deepEqual(warned, [], "SDK warnings");
}

for (const [who, metadata] of [["ChatGPT (client_secret_post)", chatgpt], ["mcp-remote (none, localhost)", mcpRemote]]) {
  for (const path of ["/mcp", "/sse"]) {
    test(`${who} connects over ${path}: discovery, registration, consent, token, tools, refresh`, { skip, timeout: 60_000 }, async (t) => {
      const check = noWarnings(t);
      await connectAndUse({ path, metadata: metadata() });
      check();
    });
  }
}

test("oauth4webapi, a strict client: discovery, registration, code with PKCE, refresh, revocation", { skip, timeout: 60_000 }, async () => {
  // Plain http is allowed only because the server is on loopback here.
  const opts = () => ({ [oauth.allowInsecureRequests]: true, signal: AbortSignal.timeout(10_000) });
  const resource = new URL(`${base}/mcp`);
  const rs = await oauth.processResourceDiscoveryResponse(resource, await oauth.resourceDiscoveryRequest(resource, opts()));
  assert.deepEqual(rs.authorization_servers, [base]);
  const issuer = new URL(rs.authorization_servers[0]);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: "oauth2", ...opts() }));
  assert.deepEqual(as.code_challenge_methods_supported, ["S256"]);
  assert.equal(as.authorization_response_iss_parameter_supported, true);

  const redirectURI = "http://127.0.0.1:33418/";
  const client = await oauth.processDynamicClientRegistrationResponse(await oauth.dynamicClientRegistrationRequest(as, {
    client_name: "oauth4webapi e2e", redirect_uris: [redirectURI], token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token"], response_types: ["code"],
  }, opts()));
  const clientAuth = oauth.None();

  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const au = new URL(as.authorization_endpoint);
  for (const [k, v] of Object.entries({
    client_id: client.client_id, redirect_uri: redirectURI, response_type: "code", scope: as.scopes_supported.join(" "),
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256", state, resource: resource.href,
  })) au.searchParams.set(k, v);
  const back = await approve(au);
  // validateAuthResponse checks state and, as the metadata promises, iss.
  const params = oauth.validateAuthResponse(as, client, back, state);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client,
    await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectURI, verifier,
      { additionalParameters: { resource: resource.href }, ...opts() }));
  assert.equal(tokens.token_type, "bearer");
  assert.ok(tokens.expires_in > 0 && tokens.expires_in <= 3600);
  assert.equal(tokens.scope, "meetings:read meetings:write");

  const initialize = (token) => fetch(resource, {
    method: "POST", signal: AbortSignal.timeout(10_000),
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "o4w", version: "1" } } }),
  });
  assert.equal((await initialize(tokens.access_token)).status, 200);

  const refreshed = await oauth.processRefreshTokenResponse(as, client,
    await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token, opts()));
  assert.notEqual(refreshed.access_token, tokens.access_token);
  assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token, "rotated");
  assert.equal((await initialize(refreshed.access_token)).status, 200);

  await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, clientAuth, refreshed.refresh_token, opts()));
  let status = 200;
  for (let i = 0; i < 25 && status === 200; i++) {
    status = (await initialize(refreshed.access_token)).status;
    if (status === 200) await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(status, 401, "a revoked grant's access token stops within seconds");
});
