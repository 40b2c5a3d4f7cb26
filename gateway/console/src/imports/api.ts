// Calls kmdb-import through the gateway (/kmdb/...) with the operator's token: revision files and
// their progress, imports (and an import's own events per day), a file's bad lines, the filter
// tables, event counts per day. An import's live progress is in ./stream.ts.
import { json, request } from "../http";

const BASE = "/kmdb";
const enc = encodeURIComponent;

export interface FileProgress {
  revision: number;
  source: string;
  import_id: string | null;
  status: "queued" | "running" | "done" | "failed" | string;
  job_id: string | null;
  job_status: string | null;
  length: number | null;
  offset: number;
  line: number;
  events: number;
  properties: number;
  aliases: number;
  skipped: number;
  bad_lines: number;
  error: string | null;
  queued_at: string | null;
  started_at: string | null;
  finished_at: string | null;
}

export interface Import {
  import_id: string;
  source: string;
  force: boolean;
  created_at: string;
  files: FileProgress[];
  totals: Record<string, number>;
}

export interface ImportStarted {
  import_id: string;
  source: string;
  enqueued: number[];
  resumed: number[];
  already_done: number[];
}

export interface ImportRequest {
  source?: string;
  min_revision?: number;
  lookahead?: number;
  force?: boolean;
}

export interface FileErrors {
  revision: number;
  total: number;
  errors: { line: number; reason: string; excerpt: string }[];
}

export type FilterKind = "ignored-users" | "whitelisted-events" | "blacklisted-properties";
export const FILTER_KINDS: { kind: FilterKind; label: string; help: string }[] = [
  { kind: "ignored-users", label: "Ignored users", help: "people whose events and properties are not imported" },
  { kind: "whitelisted-events", label: "Whitelisted events", help: "when any is listed, only these event names are imported" },
  { kind: "blacklisted-properties", label: "Blacklisted properties", help: "property names never imported" },
];

export interface FilterEntry {
  name: string;
  created_at: string;
}

export interface EventCount {
  day: string;
  name: string;
  count: number;
}

export const listFiles = (p: { limit: number; offset: number; status?: string }): Promise<FileProgress[]> => {
  const q = new URLSearchParams({ limit: String(p.limit), offset: String(p.offset) });
  if (p.status) q.set("status", p.status);
  return request<FileProgress[]>(`${BASE}/files?${q}`);
};
export const getFile = (revision: number): Promise<FileProgress> => request<FileProgress>(`${BASE}/files/${revision}`);
export const fileErrors = (revision: number, limit: number, offset: number): Promise<FileErrors> =>
  request<FileErrors>(`${BASE}/files/${revision}/errors?limit=${limit}&offset=${offset}`);
export const getImport = (id: string): Promise<Import> => request<Import>(`${BASE}/imports/${enc(id)}`);
export interface ImportDays {
  import_id: string;
  revisions: number;
  total: number;
  days: { day: string; count: number }[];
}
export const importDays = (id: string): Promise<ImportDays> => request<ImportDays>(`${BASE}/imports/${enc(id)}/events-per-day`);
export const startImport = (body: ImportRequest): Promise<ImportStarted> => request<ImportStarted>(`${BASE}/imports`, json("POST", body));

export const listFilter = (kind: FilterKind, limit: number, after?: string): Promise<FilterEntry[]> => {
  const q = new URLSearchParams({ limit: String(limit) });
  if (after !== undefined) q.set("after", after);
  return request<FilterEntry[]>(`${BASE}/filters/${kind}?${q}`);
};
export const addFilter = (kind: FilterKind, name: string): Promise<FilterEntry> => request<FilterEntry>(`${BASE}/filters/${kind}`, json("POST", { name }));
export const removeFilter = (kind: FilterKind, name: string): Promise<unknown> =>
  request<unknown>(`${BASE}/filters/${kind}?name=${enc(name)}`, json("DELETE"));

export const eventCounts = (from: string, to: string, name?: string): Promise<EventCount[]> => {
  const q = new URLSearchParams({ from, to });
  if (name) q.set("name", name);
  return request<EventCount[]>(`${BASE}/stats/events?${q}`);
};
