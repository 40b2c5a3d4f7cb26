// One chart: its series fetched at about one bin per pixel, a brush (drag) that zooms and re-fetches,
// left and right axes, a legend and a hover tooltip.
import uPlot from "uplot";
import { fetchSeries, type SeriesRows } from "./api";
import { el, seriesLabel, type ChartSpec, type SeriesSpec } from "./state";

/** Where a chart's rows come from: metrics-api by default; another section passes its own
 * (rows of [ISO time, value], about `size` of them between start and end). */
export type SeriesLoader = (s: SeriesSpec, start: Date, end: Date, size: number) => Promise<SeriesRows>;
const fromMetricsApi: SeriesLoader = (s, start, end, size) => fetchSeries(s, s.column, start, end, size);

const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];
const HEIGHT = 260;
const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 2 });

/** Tick labels: compact for large numbers (57.75M rather than 57,750,000). */
function tickLabels(_u: uPlot, splits: number[]): string[] {
  return splits.map((v) => (v == null ? "" : Math.abs(v) >= 10_000 ? compact.format(v) : String(+v.toPrecision(6))));
}

/** An axis as wide as its longest label. */
function axisSize(u: uPlot, values: string[] | null, axisIdx: number, cycleNum: number): number {
  const axis = u.axes[axisIdx];
  if (cycleNum > 1) return (axis as unknown as { _size: number })._size;
  let size = (axis.ticks?.size ?? 10) + (axis.gap ?? 5) + 4;
  const longest = (values ?? []).reduce((acc, v) => (v.length > acc.length ? v : acc), "");
  if (longest) {
    u.ctx.font = (axis.font as unknown as string[])[0];
    size += u.ctx.measureText(longest).width / devicePixelRatio;
  }
  return Math.ceil(size);
}

function tooltipPlugin(): uPlot.Plugin {
  let tip: HTMLDivElement;
  return {
    hooks: {
      init: (u) => {
        tip = el("div", { class: "tooltip" });
        tip.style.display = "none";
        u.over.append(tip);
      },
      setCursor: (u) => {
        const idx = u.cursor.idx;
        if (idx == null || u.cursor.left == null || u.cursor.left < 0) {
          tip.style.display = "none";
          return;
        }
        const time = new Date((u.data[0][idx] as number) * 1000).toLocaleString();
        // Built from nodes, never HTML: a metric's name is data, and the page's CSP forbids inline styles.
        const lines = u.series.slice(1).map((s, i) => {
          const v = u.data[i + 1][idx];
          const dot = el("span", {}, "●");
          dot.style.color = String(s.stroke ?? "");
          return el("div", {}, dot, ` ${s.label ?? ""}: ${v == null ? "—" : Number(v).toPrecision(6)}`);
        });
        tip.replaceChildren(el("div", { class: "tip-time" }, time), ...lines);
        tip.style.display = "block";
        const left = u.cursor.left + 12;
        tip.style.left = `${Math.min(left, u.over.clientWidth - 220)}px`;
        tip.style.top = `${(u.cursor.top ?? 0) + 12}px`;
      },
    },
  };
}

export class ChartPanel {
  readonly root: HTMLElement;
  private plotHost = el("div", { class: "plot" });
  private info = el("span", { class: "chart-info" });
  private resetZoom = el("button", { type: "button", class: "reset-zoom", hidden: "" }, "Reset zoom");
  private plot: uPlot | null = null;
  private zoom: { start: Date; end: Date } | null = null;
  private range: { start: Date; end: Date } | null = null;
  private generation = 0;

  constructor(
    public spec: ChartSpec,
    private onRemove: (panel: ChartPanel) => void,
    private onChange: () => void,
    private load: SeriesLoader = fromMetricsApi,
  ) {
    const title = el("input", { class: "chart-title", value: spec.title, "aria-label": "chart title" });
    title.addEventListener("change", () => {
      this.spec.title = title.value;
      this.onChange();
    });
    const remove = el("button", { type: "button", class: "remove-chart" }, "Remove");
    remove.addEventListener("click", () => this.onRemove(this));
    this.resetZoom.addEventListener("click", () => {
      this.zoom = null;
      this.resetZoom.hidden = true;
      void this.refresh();
    });
    this.root = el("article", { class: "chart", "data-chart": spec.id },
      el("header", {}, title, this.info, this.resetZoom, remove), this.plotHost);
    new ResizeObserver(() => this.resize()).observe(this.plotHost);
  }

  /** Width of the plotting area in CSS pixels: the number of bins asked for. */
  pixelWidth(): number {
    return Math.max(100, Math.floor(this.plot ? this.plot.bbox.width / devicePixelRatio : this.plotHost.clientWidth - 120));
  }

  setRange(range: { start: Date; end: Date }): void {
    this.range = range;
  }

  removeSeries(index: number): void {
    this.spec.series.splice(index, 1);
    this.onChange();
    void this.refresh();
  }

  async refresh(): Promise<void> {
    if (!this.range) return;
    const { start, end } = this.zoom ?? this.range;
    const generation = ++this.generation;
    const size = this.pixelWidth();
    this.root.dataset.state = "loading";
    try {
      const results = await Promise.all(
        this.spec.series.map((s) => this.load(s, start, end, size)),
      );
      if (generation !== this.generation) return; // a newer fetch superseded this one
      const tables = results.map((r) => [
        r.rows.map((row) => Date.parse(row[0]) / 1000),
        r.rows.map((row) => row[1] as number | null),
      ] as uPlot.AlignedData);
      const data: uPlot.AlignedData = tables.length
        ? tables.length === 1 ? tables[0] : uPlot.join(tables)
        : [[]];
      const points = results.map((r) => r.rows.length);
      this.root.dataset.points = points.join(",");
      this.root.dataset.size = String(size);
      this.root.dataset.start = start.toISOString();
      this.root.dataset.end = end.toISOString();
      this.info.textContent = `${points.reduce((a, b) => a + b, 0)} points · ${start.toLocaleString()} – ${end.toLocaleString()}`;
      this.draw(data, start, end);
      this.root.dataset.state = "ready";
    } catch (err) {
      if (generation !== this.generation) return;
      this.info.textContent = `error: ${(err as Error).message}`;
      this.root.dataset.state = "error";
    }
  }

  private draw(data: uPlot.AlignedData, start: Date, end: Date): void {
    this.plot?.destroy();
    const hasRight = this.spec.series.some((s) => s.axis === "right");
    const opts: uPlot.Options = {
      width: Math.max(300, this.plotHost.clientWidth),
      height: HEIGHT,
      plugins: [tooltipPlugin()],
      scales: { x: { time: true, min: start.getTime() / 1000, max: end.getTime() / 1000 }, y: {}, y2: {} },
      cursor: { drag: { x: true, y: false, setScale: false } },
      legend: { live: true },
      series: [
        { label: "time" },
        ...this.spec.series.map((s, i) => ({
          label: seriesLabel(s) + (s.axis === "right" ? " (R)" : ""),
          stroke: COLORS[i % COLORS.length],
          width: 1.5,
          scale: s.axis === "right" ? "y2" : "y",
          spanGaps: false,
          points: { show: false },
        })),
      ],
      axes: [
        {},
        { scale: "y", size: axisSize, values: tickLabels },
        { scale: "y2", side: 1, size: axisSize, values: tickLabels, show: hasRight, grid: { show: false } },
      ],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 3) return;
            const from = u.posToVal(u.select.left, "x");
            const to = u.posToVal(u.select.left + u.select.width, "x");
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            this.zoomTo(new Date(from * 1000), new Date(to * 1000));
          },
        ],
      },
    };
    this.plot = new uPlot(opts, data, this.plotHost);
    // Clicking a legend entry's label removes nothing; a small × beside it removes the series.
    this.plot.root.querySelectorAll(".u-legend .u-series").forEach((row, i) => {
      if (i === 0) return;
      const x = el("button", { type: "button", class: "remove-series", title: "remove series" }, "×");
      x.addEventListener("click", (ev) => {
        ev.stopPropagation();
        this.removeSeries(i - 1);
      });
      row.append(x);
    });
  }

  zoomTo(start: Date, end: Date): void {
    if (end.getTime() - start.getTime() < 1000) return;
    this.zoom = { start, end };
    this.resetZoom.hidden = false;
    this.root.dataset.zoomed = "true";
    void this.refresh();
  }

  isZoomed(): boolean {
    return this.zoom !== null;
  }

  private resize(): void {
    if (this.plot) this.plot.setSize({ width: Math.max(300, this.plotHost.clientWidth), height: HEIGHT });
  }

  destroy(): void {
    this.plot?.destroy();
    this.root.remove();
  }
}
