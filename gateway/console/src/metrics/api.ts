// Calls metrics-api through the gateway: /metrics/api/v1/... on the page's own origin.
export const API_BASE = "/metrics/api/v1";

export type Table = "raw_counter_with_interval" | "raw_timer_with_interval" | "raw_gauge";

export interface MetricInfo {
  environment: string;
  application: string;
  metric_name: string;
  table: Table;
  last_timestamp: string | null;
}

export interface SeriesRows {
  rows: [string, ...(number | null)[]][];
}

export interface DashboardRecord<T> {
  type: string;
  name: string;
  data: T;
}

export const MEASURES: Record<Table, string[]> = {
  raw_counter_with_interval: ["interval_count", "count", "previous_count"],
  raw_timer_with_interval: [
    "mean", "max", "min", "median", "p75", "p95", "p98", "p99", "p999", "std_dev",
    "count", "interval_count", "previous_count", "mean_rate", "one_min_rate", "five_min_rate",
    "fifteen_min_rate",
  ],
  raw_gauge: ["value"],
};

export class ApiError extends Error {
  constructor(public status: number, message: string) {
    super(message);
  }
}

// The token the operator gave (METRICS_API_READ_TOKEN, or METRICS_API_WRITE_TOKEN to also save),
// kept in this browser until "Forget token".
const TOKEN_KEY = "meridian.metrics.token";
let onRefused: (() => void) | null = null;

export const token = {
  get: (): string | null => localStorage.getItem(TOKEN_KEY),
  set: (value: string): void => localStorage.setItem(TOKEN_KEY, value.trim()),
  forget: (): void => localStorage.removeItem(TOKEN_KEY),
  /** Called when the API refuses the token (401): the page asks for one again. */
  onRefused: (callback: () => void): void => {
    onRefused = callback;
  },
};

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const current = token.get();
  if (current) headers.Authorization = `Bearer ${current}`;
  const response = await fetch(API_BASE + path, {
    ...init,
    headers: { ...headers, ...((init?.headers as Record<string, string>) ?? {}) },
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) {
    token.forget();
    onRefused?.();
  }
  if (!response.ok) throw new ApiError(response.status, body.error ?? response.statusText);
  return body as T;
}

const enc = encodeURIComponent;

// Every table, gauges included: without `tables=all` the listing holds only the original's two.
export async function listMetrics(): Promise<MetricInfo[]> {
  const body = await call<{ data: { metrics: MetricInfo[] } }>("/metrics?tables=all");
  return body.data.metrics;
}

export async function fetchSeries(
  m: { table: string; environment: string; application: string; metric_name: string },
  column: string,
  start: Date,
  end: Date,
  size: number,
): Promise<SeriesRows> {
  const query = new URLSearchParams({
    columns: column,
    size: String(Math.max(1, Math.round(size))),
    start_timestamp: start.toISOString(),
    end_timestamp: end.toISOString(),
  });
  const path = `/metrics/${enc(m.table)}/${enc(m.environment)}/${enc(m.application)}/${enc(m.metric_name)}`;
  const body = await call<{ data: SeriesRows }>(`${path}?${query}`);
  return body.data;
}

export async function listDashboards<T>(type: string): Promise<DashboardRecord<T>[]> {
  const body = await call<{ dashboards: DashboardRecord<T>[] }>(`/dashboards/${enc(type)}`);
  return body.dashboards;
}

export async function loadDashboard<T>(type: string, name: string): Promise<DashboardRecord<T>> {
  const body = await call<{ dashboard: DashboardRecord<T> }>(`/dashboards/${enc(type)}/${enc(name)}`);
  return body.dashboard;
}

// Replaces the dashboard of that name, or adds it when there is none (PUT answers 404). Asking
// PUT first keeps this off the POST refusal's wording (400 "already exists", as the original).
export async function saveDashboard<T>(type: string, name: string, data: T): Promise<void> {
  try {
    await call(`/dashboards/${enc(type)}/${enc(name)}`, { method: "PUT", body: JSON.stringify({ data }) });
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
    await call("/dashboards", { method: "POST", body: JSON.stringify({ type, name, data }) });
  }
}

export async function deleteDashboard(type: string, name: string): Promise<void> {
  await call(`/dashboards/${enc(type)}/${enc(name)}`, { method: "DELETE" });
}

export interface AlertHit {
  metric_timestamp: string;
  [measure: string]: number | string | null;
}

export async function fetchAlerts(
  m: { table: string; environment: string; application: string; metric_name: string },
  measure: string,
  warning: number,
  error: number,
  start: Date,
  end: Date,
): Promise<{ warnings: AlertHit[]; errors: AlertHit[] }> {
  const query = new URLSearchParams({
    measure,
    warning: String(warning),
    error: String(error),
    start: start.toISOString(),
    end: end.toISOString(),
  });
  const path = `/alerts/${enc(m.environment)}/${enc(m.application)}/${enc(m.table)}/${enc(m.metric_name)}`;
  return call(`${path}?${query}`);
}
