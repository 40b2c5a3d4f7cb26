// ingest's API through the gateway (/ingest/...), called with the signed-in operator's token:
// buckets and alert rules (the admin routes), servers, logs, exceptions, events (the query routes),
// process actions and PM2 methods (the command routes). Shapes as services/ingest/README.md gives them.
import { json, request } from "../http";

export const INGEST = "/ingest";
const enc = encodeURIComponent;

export interface Bucket {
  id: string;
  name: string;
  public_key: string;
  secret_key: string;
  retention_days: number;
  alert_emails: string[];
  created_at: string;
  updated_at: string;
}

/** A process as the servers query and the live stream's status summarise it. */
export interface Process {
  name: string | null;
  pm_id: number | string | null;
  pid: number | null;
  status: string | null;
  cpu: number | null;
  memory: number | null;
  restart_time: number | null;
  pm_uptime: number | null;
  metrics?: Record<string, unknown>;
  actions?: (string | null)[];
}

export interface Server {
  machine_name: string;
  hostname?: string | null;
  pm2_version?: string | null;
  agent_version?: string | null;
  first_seen?: string | null;
  last_seen?: string | null;
  connected_at?: string | null;
  online: boolean;
  status_at?: number | null;
  processes: Process[];
}

export interface ProcessRef {
  name?: string | null;
  pm_id?: number | string | null;
  [key: string]: unknown;
}

export interface LogLine {
  at: unknown;
  server?: string | null;
  process?: ProcessRef | null;
  stream?: string | null;
  message?: string | null;
}

export interface Page<T> {
  total: number;
  offset: number;
  size: number;
  items: T[];
}

export interface ExceptionGroup {
  fingerprint: string;
  count: number;
  first_seen: number;
  last_seen: number;
  name?: string | null;
  message?: string | null;
  stack?: string | null;
  processes: unknown[];
}

export interface FleetEvent {
  at: unknown;
  channel?: string | null;
  server?: string | null;
  process?: ProcessRef | null;
  event?: string | null;
  name?: string | null;
  action_name?: string | null;
  payload?: unknown;
}

export interface Rule {
  id: string;
  bucket_id: string;
  kind: "metric" | "restarts" | "exception";
  metric?: string | null;
  op: "above" | "below";
  threshold?: number | null;
  duration_s: number;
  process?: string | null;
  server?: string | null;
  cooldown_s: number;
  enabled: boolean;
  created_at: string;
}

export type RuleInput = Omit<Rule, "id" | "bucket_id" | "created_at">;

export interface CommandResult {
  server: string;
  command: Record<string, unknown>;
  replies: { channel?: string; payload?: unknown }[];
}

export const PM2_METHODS = ["restart", "reload", "reset"] as const;
export type Pm2Method = (typeof PM2_METHODS)[number];

const call = <T>(path: string, init?: RequestInit): Promise<T> => request<T>(INGEST + path, init);
const bucketPath = (id: string) => `/api/buckets/${enc(id)}`;

/** Only the parameters given (a blank filter is no filter). */
function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== null && value !== undefined && value !== "") q.set(key, String(value));
  const text = q.toString();
  return text ? `?${text}` : "";
}

// Buckets (the admin routes): at most 1000 a call, fetched page by page.
export async function listBuckets(): Promise<Bucket[]> {
  const out: Bucket[] = [];
  for (let offset = 0; offset <= 100_000; offset += 1000) {
    const page = await call<Bucket[]>(`/api/admin/buckets${query({ offset, limit: 1000 })}`);
    out.push(...page);
    if (page.length < 1000) break;
  }
  return out;
}

export const getBucket = (id: string) => call<Bucket>(`/api/admin/buckets/${enc(id)}`);
export const createBucket = (body: { name: string; retention_days: number; alert_emails: string[] }) =>
  call<Bucket>("/api/admin/buckets", json("POST", body));
export const rotateKeys = (id: string) => call<Bucket>(`/api/admin/buckets/${enc(id)}`, json("PATCH", { rotate_keys: true }));
export const deleteBucket = (id: string) => call<null>(`/api/admin/buckets/${enc(id)}`, json("DELETE"));

// Alert rules of a bucket.
export const listRules = (bucket: string) => call<Rule[]>(`/api/admin/buckets/${enc(bucket)}/alerts`);
export const createRule = (bucket: string, rule: RuleInput) => call<Rule>(`/api/admin/buckets/${enc(bucket)}/alerts`, json("POST", rule));
export const replaceRule = (bucket: string, id: string, rule: RuleInput) =>
  call<Rule>(`/api/admin/buckets/${enc(bucket)}/alerts/${enc(id)}`, json("PUT", rule));
export const deleteRule = (bucket: string, id: string) => call<null>(`/api/admin/buckets/${enc(bucket)}/alerts/${enc(id)}`, json("DELETE"));

// The servers of a bucket with their latest processes, 1000 a call.
export async function listServers(bucket: string): Promise<Server[]> {
  const out: Server[] = [];
  for (let offset = 0; offset <= 100_000; offset += 1000) {
    const page = await call<Server[]>(`${bucketPath(bucket)}/servers${query({ offset, size: 1000 })}`);
    out.push(...page);
    if (page.length < 1000) break;
  }
  return out;
}

export interface MetricSeries {
  metric: string;
  interval: string;
  from: number;
  to: number;
  points: { t: number; avg: number | null; max: number | null; count: number }[];
}

/** A metric's avg and max per interval, from the statuses ingest stored (cpu, memory, any @pm2/io metric). */
export const metricSeries = (bucket: string, name: string, f: { server: string; process: string; interval: string; from: number; to: number }) =>
  call<MetricSeries>(`${bucketPath(bucket)}/metrics/${enc(name)}${query(f)}`);

export interface LogFilter {
  q?: string;
  stream?: "" | "out" | "err";
  server?: string;
  process?: string;
  from?: number;
}

export const searchLogs = (bucket: string, f: LogFilter, size: number, offset = 0) =>
  call<Page<LogLine>>(`${bucketPath(bucket)}/logs${query({ q: f.q, stream: f.stream, server: f.server, process: f.process, from: f.from, size, offset })}`);

export const listExceptions = (bucket: string, f: { server?: string; process?: string }, from?: number) =>
  call<{ groups: ExceptionGroup[] }>(`${bucketPath(bucket)}/exceptions${query({ server: f.server, process: f.process, from, size: 1000 })}`);

export const listEvents = (bucket: string, f: { server?: string; process?: string; channel?: string }, size: number, offset: number, from?: number) =>
  call<Page<FleetEvent>>(`${bucketPath(bucket)}/events${query({ ...f, size, offset, from })}`);

// Commands: a process's custom action, a PM2 method; the agent's answers come back.
export const runAction = (bucket: string, server: string, body: { process: string; action_name: string; opts?: Record<string, unknown> }) =>
  call<CommandResult>(`${bucketPath(bucket)}/servers/${enc(server)}/actions`, json("POST", body));

export const runPm2 = (bucket: string, server: string, method: Pm2Method, name: string) =>
  call<CommandResult>(`${bucketPath(bucket)}/servers/${enc(server)}/pm2`, json("POST", { method_name: method, parameters: { name } }));
