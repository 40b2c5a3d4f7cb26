// Wires the dashboard: picker, range, charts, saved dashboards, alerts, live refresh.
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { listMetrics, token } from "./api";
import { AlertPanel } from "./alerts";
import { ChartPanel } from "./chart";
import { DashboardControls } from "./dashboards";
import { MetricPicker } from "./picker";
import { RangeControls } from "./range";
import { DEFAULT_RANGE, newChartId, resolveRange, type DashboardData, type SeriesSpec } from "./state";

const LIVE_EVERY_MS = 10_000;
const $ = (id: string) => document.getElementById(id) as HTMLElement;

const statusBox = $("status");
const status = (text: string) => {
  statusBox.textContent = text;
};

const charts: ChartPanel[] = [];
const chartsRoot = $("charts");

function currentRange() {
  return resolveRange(range.get());
}

function changed(): void {
  picker.refreshTargets();
  alerts.setSeries(charts.flatMap((c) => c.spec.series));
}

function addChart(title?: string, series: SeriesSpec[] = []): ChartPanel {
  const panel = new ChartPanel(
    { id: newChartId(), title: title ?? `Chart ${charts.length + 1}`, series },
    (p) => {
      charts.splice(charts.indexOf(p), 1);
      p.destroy();
      changed();
    },
    changed,
  );
  charts.push(panel);
  chartsRoot.append(panel.root);
  panel.setRange(currentRange());
  changed();
  return panel;
}

function refreshAll(): void {
  const r = currentRange();
  for (const chart of charts) {
    chart.setRange(r);
    void chart.refresh();
  }
}

const range = new RangeControls($("range"), refreshAll);
const picker = new MetricPicker($("picker"), {
  charts: () => charts.map((c) => ({ id: c.spec.id, title: c.spec.title })),
  add: (chartId, series) => {
    const chart = charts.find((c) => c.spec.id === chartId) ?? addChart();
    chart.spec.series.push(series);
    chart.setRange(currentRange());
    changed();
    void chart.refresh();
  },
});
const alerts = new AlertPanel($("alerts"), currentRange);

function snapshot(): DashboardData {
  return {
    range: range.get(),
    live: range.isLive(),
    charts: charts.map((c) => structuredClone(c.spec)),
    alert: alerts.get(),
  };
}

function applyDashboard(data: DashboardData): void {
  for (const chart of charts.splice(0)) chart.destroy();
  range.set(data.range ?? DEFAULT_RANGE, data.live ?? true);
  for (const spec of data.charts ?? []) addChart(spec.title, spec.series);
  alerts.set(data.alert);
  refreshAll();
}

const dashboards = new DashboardControls($("dashboards"), snapshot, applyDashboard, status);
$("add-chart").addEventListener("click", () => addChart());

const signin = $("signin");
const signinForm = $("signin-form") as HTMLFormElement;
const signinError = $("signin-error");
const mainArea = $("main");
const session = $("session");

function askForToken(message = ""): void {
  delete document.body.dataset.ready;
  signinError.textContent = message;
  mainArea.hidden = true;
  session.hidden = true;
  signin.hidden = false;
  (signinForm.elements.namedItem("token") as HTMLInputElement).focus();
}

async function load(): Promise<void> {
  signin.hidden = true;
  mainArea.hidden = false;
  session.hidden = false;
  try {
    picker.setMetrics(await listMetrics());
    await dashboards.refreshList();
    status("");
  } catch (err) {
    if (!token.get()) return; // refused: the sign-in form is showing
    status(`metrics-api unreachable: ${(err as Error).message}`);
  }
  refreshAll();
  document.body.dataset.ready = "true";
}

signinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const input = signinForm.elements.namedItem("token") as HTMLInputElement;
  if (!input.value.trim()) return;
  token.set(input.value);
  input.value = "";
  void load();
});
$("forget-token").addEventListener("click", () => {
  token.forget();
  askForToken("token forgotten");
});
token.onRefused(() => askForToken("metrics-api refused the token (401): paste a valid one"));

// Live refresh: relative ranges move with the clock; a zoomed chart stays where it is.
setInterval(() => {
  if (!range.isLive() || document.hidden || !token.get()) return;
  const r = currentRange();
  for (const chart of charts) {
    if (chart.isZoomed()) continue;
    chart.setRange(r);
    void chart.refresh();
  }
}, LIVE_EVERY_MS);

addChart();
if (token.get()) void load();
else askForToken();
