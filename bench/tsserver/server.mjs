// The TypeScript peer of cmd/mcpbench: list_meetings and search_meetings on
// the official TypeScript SDK over an in-memory array, set up the way the
// SDK's own stateless example does it (examples/server/
// simpleStatelessStreamableHttp.js): createMcpExpressApp, and a new
// McpServer and StreamableHTTPServerTransport per request, since a stateless
// transport cannot be reused. JSON responses, no auth.
//
// PORT is the port to listen on (127.0.0.1); DATA the JSON file of meetings
// (newest first) that cmd/mcpbench writes, the same the Go servers load.
import { readFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import * as z from 'zod';

const port = Number(process.env.PORT || 3000);
const meetings = JSON.parse(readFileSync(process.env.DATA, 'utf8'));
const titles = meetings.map((m) => m.title.toLowerCase()); // for the naive filter

const attendee = z.object({ name: z.string().optional(), email: z.string().optional() });
const meetingItem = z.object({
  id: z.number().int(),
  title: z.string(),
  date: z.string(),
  duration_ms: z.number().int(),
  attendees: z.array(attendee),
  source: z.string(),
  tags: z.array(z.string()),
  visibility: z.string(),
  segment_count: z.number().int(),
  url: z.string(),
});
const searchHit = z.object({
  meeting_id: z.number().int(),
  title: z.string(),
  meeting_date: z.string(),
  kind: z.string(),
  speaker: z.string().optional(),
  start_ms: z.number().int().optional(),
  snippet: z.string(),
  url: z.string(),
});

function clampLimit(n) {
  if (!n || n <= 0) return 20;
  return Math.min(n, 100);
}

function result(out) {
  return { content: [{ type: 'text', text: JSON.stringify(out) }], structuredContent: out };
}

// listMeetings: the newest `limit` meetings of the last days_back days (0:
// all), with an opaque cursor when more follow, as meetingintel answers.
// The cursor carries the first page's filters, as meetingintel's does.
function listMeetings({ limit, days_back, cursor }) {
  let c = { t: 'list_meetings', s: 0, l: clampLimit(limit) };
  if (cursor) {
    c = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (c.t !== 'list_meetings' || !(c.s >= 0)) throw new Error('That cursor does not belong to list_meetings.');
    c.l = clampLimit(c.l);
  } else {
    const days = days_back ?? 30;
    // RFC 3339 without milliseconds, to compare with the meetings' dates.
    if (days > 0) c.f = new Date(Date.now() - days * 86400000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  const page = [];
  let i = c.s;
  for (; i < meetings.length && page.length < c.l; i++) {
    if (c.f && meetings[i].date < c.f) { i = meetings.length; break; }
    page.push(meetings[i]);
  }
  const out = { meetings: page };
  if (i < meetings.length) {
    out.next_cursor = Buffer.from(JSON.stringify({ ...c, s: i })).toString('base64url');
    out.note = 'More meetings: call list_meetings with cursor set to next_cursor.';
  }
  return out;
}

// searchMeetings: a naive, case-insensitive substring filter over titles,
// newest first, stopping at limit; the query in the snippet in bold.
function searchMeetings({ query, limit }) {
  const n = clampLimit(limit);
  const q = query.trim().toLowerCase();
  const results = [];
  for (let i = 0; i < meetings.length && results.length < n; i++) {
    const at = titles[i].indexOf(q);
    if (at < 0) continue;
    const m = meetings[i];
    const t = m.title;
    results.push({
      kind: 'title', meeting_date: m.date, meeting_id: m.id,
      snippet: t.slice(0, at) + '**' + t.slice(at, at + q.length) + '**' + t.slice(at + q.length),
      title: t, url: m.url,
    });
  }
  const out = { results };
  if (results.length === 0) out.note = 'No matches. Try other words, fewer filters, or list_meetings to browse.';
  return out;
}

function getServer() {
  const server = new McpServer({ name: 'tsserver', version: '1.0.0' });
  server.registerTool('list_meetings', {
    description: 'List meetings, newest first. Defaults to the last 30 days; page with cursor.',
    inputSchema: {
      limit: z.number().int().optional().describe('how many meetings per page, at most 100 (default 20)'),
      days_back: z.number().int().optional().describe('only meetings of the last N days (default 30; 0 for all time)'),
      attendee: z.string().optional().describe('only meetings with this attendee (email or name)'),
      tag: z.string().optional().describe('only meetings with this tag'),
      cursor: z.string().optional().describe('next_cursor of a previous page'),
    },
    outputSchema: { meetings: z.array(meetingItem), next_cursor: z.string().optional(), note: z.string().optional() },
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  }, async (args) => result(listMeetings(args)));
  server.registerTool('search_meetings', {
    description: 'Search meeting titles (naive substring filter).',
    inputSchema: {
      query: z.string().describe('words or a question'),
      limit: z.number().int().optional().describe('how many hits, at most 100 (default 20)'),
      date_from: z.string().optional().describe('only meetings on or after this day'),
      date_to: z.string().optional().describe('only meetings up to this day'),
      attendee: z.string().optional().describe('only meetings with this attendee'),
      tag: z.string().optional().describe('only meetings with this tag'),
    },
    outputSchema: { results: z.array(searchHit), note: z.string().optional() },
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  }, async (args) => result(searchMeetings(args)));
  return server;
}

const app = createMcpExpressApp({ host: '127.0.0.1' });
app.post('/mcp', async (req, res) => {
  const server = getServer();
  try {
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => { transport.close(); server.close(); });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  } catch (err) {
    console.error('MCP request failed:', err);
    if (!res.headersSent) {
      res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
    }
  }
});
app.listen(port, '127.0.0.1', (err) => {
  if (err) {
    console.error('listen:', err);
    process.exit(1);
  }
  console.log(`tsserver listening on 127.0.0.1:${port}`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
