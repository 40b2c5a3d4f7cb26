// Calls metrics-api through the gateway: /metrics/api/v1/... on the page's own origin.
import { ApiError, request } from "../http";

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

export { ApiError };

// Through the console's one caller: the signed-in operator's token, a 401 back to sign-in.
const call = <T>(path: string, init?: RequestInit): Promise<T> => request<T>(API_BASE + path, init);

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
