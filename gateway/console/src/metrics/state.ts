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

/** Fills `box` with a pager of a long list (Previous / page n of m / Next); hidden for one page. */
export function renderPager(box: HTMLElement, label: string, page: number, pages: number, go: (page: number) => void): void {
  box.hidden = pages <= 1;
  if (pages <= 1) {
    box.replaceChildren();
    return;
  }
  const button = (text: string, to: number, aria: string) => {
    const b = el("button", { type: "button", "aria-label": `${aria} page of ${label}` }, text);
    b.disabled = to < 0 || to >= pages;
    b.addEventListener("click", () => go(to));
    return b;
  };
  box.replaceChildren(button("‹ Previous", page - 1, "previous"), el("span", {}, `page ${page + 1} of ${pages}`), button("Next ›", page + 1, "next"));
}

/** Pages of a list: the page's rows and the page clamped to the list. */
export function pageOf<T>(rows: T[], page: number, size: number): { rows: T[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(rows.length / size));
  const at = Math.min(Math.max(0, page), pages - 1);
  return { rows: rows.slice(at * size, at * size + size), page: at, pages };
}
