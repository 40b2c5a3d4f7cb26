// Calls analytics through the gateway (/analytics/...) with the operator's token: messages a page
// at a time (GET /messages/page's cursor), one conversation's performance, analytics descriptors
// (GET /analytic/list) and their results, and the service's exports (GET /export/<table>).
import { ApiError, request, json } from "../http";
import { end, session } from "../session";
import type { Descriptor } from "./descriptors";

const BASE = "/analytics";
const enc = encodeURIComponent;

export interface Message {
  messageId: string;
  conversationId?: string | null;
  channel: string;
  userId: string;
  timestamp: string;
  project: string;
  type: "request" | "response" | "notification";
  content?: { type: string; value?: unknown; [key: string]: unknown } | null;
  intent?: { name?: string | null; confidence?: number | null } | null;
  domain?: string | null;
  traceId: string;
  [key: string]: unknown;
}

export interface MessageQuery {
  project: string;
  from: string; // ISO 8601
  to: string;
  user?: string;
  channel?: string;
  type?: string;
  conversation?: string;
}

export interface MessagePage {
  messages: Message[];
  next: string | null;
  total: number;
  totalIsLowerBound: boolean;
}

function messageParams(q: MessageQuery): URLSearchParams {
  const params = new URLSearchParams({ project: q.project, fromTime: q.from, toTime: q.to });
  if (q.user) params.set("userId", q.user);
  if (q.channel) params.set("channel", q.channel);
  if (q.type) params.set("type", q.type);
  if (q.conversation) params.set("conversationId", q.conversation);
  return params;
}

/** One page of messages, oldest first, from `cursor` (the previous page's `next`; null: the first). */
export async function messagePage(q: MessageQuery, limit: number, cursor: string | null): Promise<MessagePage> {
  const params = messageParams(q);
  params.set("limit", String(limit));
  if (cursor) params.set("cursor", cursor);
  return request<MessagePage>(`${BASE}/messages/page?${params}`);
}

export type ExportTable = "messages" | "questions" | "users" | "analytics";
export type ExportFormat = "csv" | "json";

/** An export file of the service (GET /export/<table>) for the query's project and window (the
 * analytics file counts the whole project: the other filters are not sent for it). */
export async function exportFile(table: ExportTable, q: MessageQuery, format: ExportFormat): Promise<{ name: string; blob: Blob }> {
  const params = table === "analytics" ? messageParams({ project: q.project, from: q.from, to: q.to }) : messageParams(q);
  params.set("format", format);
  const token = session.token();
  let response: Response;
  try {
    response = await fetch(`${BASE}/export/${table}?${params}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  } catch (err) {
    throw new ApiError(0, (err as Error).message);
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { status?: unknown; error?: unknown } | null;
    const words = typeof body?.status === "string" ? body.status : typeof body?.error === "string" ? body.error : response.statusText;
    if (response.status === 401 && token) end(`Signed out: ${words}`);
    throw new ApiError(response.status, words);
  }
  const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "");
  return { name: named?.[1] ?? `${table}.${format}`, blob: await response.blob() };
}

export interface ConversationSummary {
  conversationId: string;
  messages: number;
  requests: number;
  responses: number;
  notifications: number;
  answered: number;
  unanswered: number;
  responseTimeMs: { count: number; min: number | null; max: number | null; avg: number | null; median: number | null };
}

/** A conversation's request → first response times (min/max/avg/median); 404 when it has none. */
export async function conversationSummary(id: string): Promise<ConversationSummary> {
  return request<ConversationSummary>(`${BASE}/performance/conversation/${enc(id)}?summary=true`);
}

export interface Result {
  type: "count" | "segmentation" | "aggregation";
  count?: number | null;
  segments?: { type: string; count: number }[] | null;
  aggregation?: Record<string, unknown> | null;
  error?: string;
  creationDt?: string;
  fromDt?: string | null;
  toDt?: string;
}

export interface Analytic {
  id: string;
  descriptor: Descriptor;
  result: Result | null;
}

export interface AnalyticList {
  total: number;
  offset: number;
  limit: number;
  analytics: Analytic[];
}

/** Analytics newest first, `limit` (≤ 100) from `offset` (offset + limit ≤ 10,000), of a project or all. */
export async function listAnalytics(project: string, offset: number, limit: number): Promise<AnalyticList> {
  const params = new URLSearchParams({ offset: String(offset), limit: String(limit) });
  if (project) params.set("project", project);
  return request<AnalyticList>(`${BASE}/analytic/list?${params}`);
}

export async function createAnalytic(descriptor: Descriptor): Promise<string> {
  const answer = await request<{ id: string }>(`${BASE}/analytic`, json("POST", descriptor));
  return answer.id;
}

export async function getAnalytic(id: string): Promise<Analytic> {
  return request<Analytic>(`${BASE}/analytic?id=${enc(id)}`);
}

export async function computeAnalytic(id: string): Promise<void> {
  await request<unknown>(`${BASE}/analytic/compute?id=${enc(id)}`, json("POST"));
}

export async function deleteAnalytic(id: string): Promise<void> {
  await request<unknown>(`${BASE}/analytic?id=${enc(id)}`, json("DELETE"));
}
