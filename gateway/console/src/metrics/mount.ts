// The Metrics section (the former metrics dashboard): picker, range, charts, saved dashboards,
// alerts, live refresh — plain DOM around uPlot, mounted into the console's Metrics view.
import "uplot/dist/uPlot.min.css";
import "./style.css";
import { listMetrics } from "./api";
import { AlertPanel } from "./alerts";
import { ChartPanel } from "./chart";
import { DashboardControls } from "./dashboards";
import { MetricPicker } from "./picker";
import { RangeControls } from "./range";
import { DEFAULT_RANGE, newChartId, resolveRange, type DashboardData, type SeriesSpec } from "./state";

const LIVE_EVERY_MS = 10_000;

// Static markup only (no script, no style attribute): the gateway's CSP allows it.
const LAYOUT = `
  <div class="metrics-bar">
    <div class="range" data-part="range"></div>
    <div class="dashboards" data-part="dashboards"></div>
  </div>
  <div class="layout">
    <aside class="picker" data-part="picker"></aside>
    <section class="content">
      <div class="toolbar">
        <button id="add-chart" type="button">Add chart</button>
        <span id="status" class="status" role="status"></span>
      </div>
      <div class="charts" data-part="charts"></div>
      <section class="alerts" data-part="alerts"></section>
    </section>
  </div>`;

/** Builds the section inside `root`; returns what stops it (timers, charts). */
export function mountMetrics(root: HTMLElement): () => void {
  root.innerHTML = LAYOUT;
  const part = (name: string) => root.querySelector(`[data-part=${name}]`) as HTMLElement;
  const statusBox = root.querySelector("#status") as HTMLElement;
  const status = (text: string) => {
    statusBox.textContent = text;
  };

  const charts: ChartPanel[] = [];
  const chartsRoot = part("charts");
  const currentRange = () => resolveRange(range.get());

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

  const range = new RangeControls(part("range"), refreshAll);
  const picker = new MetricPicker(part("picker"), {
    charts: () => charts.map((c) => ({ id: c.spec.id, title: c.spec.title })),
    add: (chartId, series) => {
      const chart = charts.find((c) => c.spec.id === chartId) ?? addChart();
      chart.spec.series.push(series);
      chart.setRange(currentRange());
      changed();
      void chart.refresh();
    },
  });
  const alerts = new AlertPanel(part("alerts"), currentRange);

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

  const dashboards = new DashboardControls(part("dashboards"), snapshot, applyDashboard, status);
  (root.querySelector("#add-chart") as HTMLElement).addEventListener("click", () => addChart());

  let stopped = false;
  async function load(): Promise<void> {
    try {
      picker.setMetrics(await listMetrics());
      await dashboards.refreshList();
      status("");
    } catch (err) {
      if (stopped) return;
      status(`metrics-api unreachable: ${(err as Error).message}`);
    }
    refreshAll();
    root.dataset.ready = "true";
  }

  // Live refresh: relative ranges move with the clock; a zoomed chart stays where it is.
  const timer = window.setInterval(() => {
    if (!range.isLive() || document.hidden) return;
    const r = currentRange();
    for (const chart of charts) {
      if (chart.isZoomed()) continue;
      chart.setRange(r);
      void chart.refresh();
    }
  }, LIVE_EVERY_MS);

  addChart();
  void load();
  return () => {
    stopped = true;
    window.clearInterval(timer);
    for (const chart of charts.splice(0)) chart.destroy();
    delete root.dataset.ready;
    root.replaceChildren();
  };
}
