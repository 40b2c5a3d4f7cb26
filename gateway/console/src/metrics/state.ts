// What a dashboard is: a time range and charts of series; saved as a dashboard's data.
import type { Table } from "./api";

export interface SeriesSpec {
  environment: string;
  application: string;
  metric_name: string;
  table: Table;
  column: string;
  axis: "left" | "right";
}

export interface ChartSpec {
  id: string;
  title: string;
  series: SeriesSpec[];
}

export type RangeSpec =
  | { mode: "relative"; amount: number; unit: "hours" | "days" }
  | { mode: "fixed"; start: string; end: string };

export interface AlertSettings {
  series: number;
  warning: string;
  error: string;
}

export interface DashboardData {
  range: RangeSpec;
  live: boolean;
  charts: ChartSpec[];
  alert?: AlertSettings;
}

export const DEFAULT_RANGE: RangeSpec = { mode: "relative", amount: 1, unit: "hours" };

export function resolveRange(range: RangeSpec, now = new Date()): { start: Date; end: Date } {
  if (range.mode === "fixed") return { start: new Date(range.start), end: new Date(range.end) };
  const hours = range.unit === "days" ? range.amount * 24 : range.amount;
  return { start: new Date(now.getTime() - hours * 3600_000), end: now };
}

export function seriesLabel(s: SeriesSpec): string {
  return `${s.environment}/${s.application}/${s.metric_name}.${s.column}`;
}

let counter = 0;
export function newChartId(): string {
  counter += 1;
  return `chart-${Date.now().toString(36)}-${counter}`;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}
