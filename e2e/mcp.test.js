// End-to-end test of the MCP endpoints with the official TypeScript SDK
// client, as ChatGPT-like and Claude-like clients connect. It needs a running
// server: MI_URL (e.g. http://127.0.0.1:8080) and MI_TOKEN (a PAT).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";

const base = process.env.MI_URL;
const token = process.env.MI_TOKEN;
const skip = !base || !token ? "set MI_URL and MI_TOKEN to run" : false;

const tools = [
  "list_meetings", "get_meeting", "get_transcript", "search_meetings", "create_meeting",
  "update_meeting", "delete_meeting", "list_actions", "get_action", "create_action",
  "update_action", "complete_action", "park_action", "reopen_action", "delete_action",
  "list_decisions", "get_decision", "create_decision", "delete_decision", "search", "fetch",
  "search_actions", "search_decisions", "get_schema", "update_decision",
  "list_workspaces", "get_current_workspace", "switch_workspace",
];

async function exercise(transport) {
  const client = new Client({ name: "meetingintel-e2e", version: "1.0.0" });
  await client.connect(transport);
  try {
    const { tools: listed } = await client.listTools();
    const names = listed.map((t) => t.name).sort();
    assert.deepEqual(names, [...tools].sort());
    for (const t of listed) {
      assert.ok(t.annotations, `${t.name} has annotations`);
      assert.equal(typeof t.annotations.readOnlyHint, "boolean", `${t.name} readOnlyHint`);
    }
    const res = await client.callTool({ name: "search_meetings", arguments: { query: "pricing" } });
    assert.equal(res.isError ?? false, false, JSON.stringify(res.content));
    assert.ok(Array.isArray(res.structuredContent?.results), "structured results");
    const bad = await client.callTool({ name: "get_meeting", arguments: { meeting_id: 987654321 } });
    assert.equal(bad.isError, true, "a missing meeting is a tool error");
  } finally {
    await client.close();
  }
}

test("Streamable HTTP with a Bearer PAT lists tools and searches", { skip, timeout: 30_000 }, async () => {
  await exercise(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  }));
});

test("Streamable HTTP with X-API-Key lists tools and searches", { skip, timeout: 30_000 }, async () => {
  await exercise(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
    requestInit: { headers: { "X-API-Key": token } },
  }));
});

test("Streamable HTTP with the PAT in the path (Copilot) lists tools and searches", { skip, timeout: 30_000 }, async () => {
  await exercise(new StreamableHTTPClientTransport(new URL(`${base}/mcp/${encodeURIComponent(token)}`)));
});

test("Streamable HTTP with the PAT in ?token= (the replaced system's Claude.ai URL) lists tools and searches", { skip, timeout: 30_000 }, async () => {
  await exercise(new StreamableHTTPClientTransport(new URL(`${base}/mcp?token=${encodeURIComponent(token)}`)));
});

test("legacy SSE with ?token= lists tools and searches", { skip, timeout: 30_000 }, async () => {
  await exercise(new SSEClientTransport(new URL(`${base}/sse?token=${encodeURIComponent(token)}`)));
});

test("legacy SSE with a Bearer header lists tools and searches", { skip, timeout: 30_000 }, async () => {
  const headers = { Authorization: `Bearer ${token}` };
  await exercise(new SSEClientTransport(new URL(`${base}/sse`), {
    requestInit: { headers },
    eventSourceInit: { fetch: (url, init) => fetch(url, { ...init, headers: { ...init?.headers, ...headers } }) },
  }));
});

test("a request without a token gets 401 with a Bearer challenge", { skip, timeout: 30_000 }, async () => {
  const res = await fetch(`${base}/mcp`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } } }),
  });
  assert.equal(res.status, 401);
  assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
  assert.ok((await res.json()).error);
});
