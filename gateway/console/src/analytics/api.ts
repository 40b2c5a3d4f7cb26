// Calls analytics through the gateway (/analytics/...) with the operator's token: messages, one
// conversation's performance, analytics descriptors and their results.
import { request, json } from "../http";
import type { Descriptor } from "./descriptors";

const BASE = "/analytics";
const enc = encodeURIComponent;

/** The service answers at most this many messages per query (its MAX_SIZE). */
export const MAX_MESSAGES = 10000;

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
  [key: string]: unknown;
}

export interface MessageQuery {
  project: string;
  from: string; // ISO 8601
  to: string;
  user?: string;
  channel?: string;
  type?: string;
  maxSize: number;
}

export async function listMessages(q: MessageQuery): Promise<Message[]> {
  const params = new URLSearchParams({ project: q.project, fromTime: q.from, toTime: q.to, maxSize: String(q.maxSize) });
  if (q.user) params.set("userId", q.user);
  if (q.channel) params.set("channel", q.channel);
  if (q.type) params.set("type", q.type);
  return request<Message[]>(`${BASE}/messages?${params}`);
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
