// The alert table: a series' points at or above a warning or an error threshold over the range.
import { fetchAlerts, type AlertHit } from "./api";
import { el, pageOf, renderPager, seriesLabel, type AlertSettings, type SeriesSpec } from "./state";

const PAGE = 100; // alert rows at a time

export class AlertPanel {
  private series = el("select", { name: "alert-series", "aria-label": "alert series" });
  private warning = el("input", { type: "number", name: "warning", step: "any", placeholder: "warning ≥", "aria-label": "warning threshold" });
  private error = el("input", { type: "number", name: "error", step: "any", placeholder: "error ≥", "aria-label": "error threshold" });
  private tbody = el("tbody");
  private pager = el("nav", { class: "pager", "aria-label": "alert pages" });
  private hits: HTMLTableRowElement[] = [];
  private summary = el("span", { class: "alert-summary" });
  private options: SeriesSpec[] = [];

  constructor(root: HTMLElement, private range: () => { start: Date; end: Date }) {
    const check = el("button", { type: "button", id: "check-alerts" }, "Check alerts");
    check.addEventListener("click", () => void this.check());
    root.append(
      el("h2", {}, "Alerts"),
      el("div", { class: "alert-form" }, this.series, this.warning, this.error, check, this.summary),
      el("table", { class: "alert-table" },
        el("thead", {}, el("tr", {}, el("th", {}, "level"), el("th", {}, "time"), el("th", {}, "series"), el("th", {}, "value"))),
        this.tbody),
      this.pager,
    );
  }

  /** The alert settings, saved with the dashboard. */
  get(): AlertSettings {
    return { series: Number(this.series.value) || 0, warning: this.warning.value, error: this.error.value };
  }

  set(settings: AlertSettings | undefined): void {
    if (!settings) return;
    if (settings.series < this.options.length) this.series.value = String(settings.series);
    this.warning.value = settings.warning;
    this.error.value = settings.error;
  }

  setSeries(options: SeriesSpec[]): void {
    const current = this.series.value;
    this.options = options;
    this.series.replaceChildren(...options.map((s, i) => el("option", { value: String(i) }, seriesLabel(s))));
    if (current && Number(current) < options.length) this.series.value = current;
  }

  private show(page: number): void {
    const shown = pageOf(this.hits, page, PAGE);
    this.tbody.replaceChildren(...shown.rows);
    renderPager(this.pager, "alerts", shown.page, shown.pages, (to) => this.show(to));
  }

  async check(): Promise<void> {
    const s = this.options[Number(this.series.value)];
    if (!s || this.warning.value === "" || this.error.value === "") {
      this.summary.textContent = "choose a series and both thresholds";
      return;
    }
    const { start, end } = this.range();
    try {
      const result = await fetchAlerts(s, s.column, Number(this.warning.value), Number(this.error.value), start, end);
      const row = (level: string, hit: AlertHit) =>
        el("tr", { class: level }, el("td", {}, level), el("td", {}, new Date(hit.metric_timestamp).toLocaleString()),
          el("td", {}, seriesLabel(s)), el("td", {}, String(hit[s.column])));
      this.hits = [...result.errors.map((h) => row("error", h)), ...result.warnings.map((h) => row("warning", h))];
      this.show(0);
      this.summary.textContent = `${result.errors.length} errors, ${result.warnings.length} warnings`;
    } catch (err) {
      this.summary.textContent = `error: ${(err as Error).message}`;
    }
  }
}
