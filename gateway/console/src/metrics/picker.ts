// The metric picker: every metric, filterable by environment, application and name, sortable by column.
import { MEASURES, type MetricInfo } from "./api";
import { el, pageOf, renderPager, type SeriesSpec } from "./state";

const PAGE = 100; // rows of the picker at a time: a fleet's thousands of metrics stay quick

type SortKey = "environment" | "application" | "metric_name" | "table" | "last_timestamp";

export interface PickerTarget {
  charts(): { id: string; title: string }[];
  add(chartId: string, series: SeriesSpec): void;
}

export class MetricPicker {
  private metrics: MetricInfo[] = [];
  private selected: MetricInfo | null = null;
  private sortKey: SortKey = "metric_name";
  private sortAsc = true;
  private filters = { environment: "", application: "", metric_name: "" };
  private tbody = el("tbody");
  private form = el("div", { class: "add-series" });
  private pager = el("nav", { class: "pager", "aria-label": "metric pages" });
  private page = 0;

  constructor(root: HTMLElement, private target: PickerTarget) {
    const filterRow = el("div", { class: "filters" });
    for (const key of Object.keys(this.filters) as (keyof typeof this.filters)[]) {
      const label = `filter ${key.replace("_name", "")}`;
      const input = el("input", { type: "search", placeholder: label, "aria-label": label, "data-filter": key });
      input.addEventListener("input", () => {
        this.filters[key] = input.value.trim().toLowerCase();
        this.page = 0;
        this.render();
      });
      filterRow.append(input);
    }
    const head = el("tr");
    const columns: [SortKey, string][] = [
      ["environment", "env"], ["application", "app"], ["metric_name", "metric"], ["table", "table"], ["last_timestamp", "last"],
    ];
    for (const [key, label] of columns) {
      const th = el("th", { "data-sort": key, title: "sort", tabindex: "0", scope: "col" }, label);
      const sort = () => {
        this.sortAsc = this.sortKey === key ? !this.sortAsc : true;
        this.sortKey = key;
        this.render();
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          sort();
        }
      });
      head.append(th);
    }
    root.append(
      el("h2", {}, "Metrics"),
      filterRow,
      el("div", { class: "metric-table" }, el("table", {}, el("thead", {}, head), this.tbody)),
      this.pager,
      this.form,
    );
  }

  setMetrics(metrics: MetricInfo[]): void {
    this.metrics = metrics;
    this.render();
  }

  refreshTargets(): void {
    this.renderForm();
  }

  private visible(): MetricInfo[] {
    const f = this.filters;
    const rows = this.metrics.filter(
      (m) =>
        m.environment.toLowerCase().includes(f.environment) &&
        m.application.toLowerCase().includes(f.application) &&
        m.metric_name.toLowerCase().includes(f.metric_name),
    );
    const key = this.sortKey;
    rows.sort((a, b) => {
      const cmp = String(a[key] ?? "").localeCompare(String(b[key] ?? ""));
      return this.sortAsc ? cmp : -cmp;
    });
    return rows;
  }

  private render(): void {
    const { rows, page, pages } = pageOf(this.visible(), this.page, PAGE);
    this.page = page;
    renderPager(this.pager, "metrics", page, pages, (to) => {
      this.page = to;
      this.render();
    });
    this.tbody.replaceChildren(
      ...rows.map((m) => {
        const tr = el(
          "tr",
          { "data-metric": `${m.environment}/${m.application}/${m.metric_name}`, "data-table": m.table, tabindex: "0" },
          el("td", {}, m.environment),
          el("td", {}, m.application),
          el("td", {}, m.metric_name),
          el("td", {}, m.table.replace("raw_", "").replace("_with_interval", "")),
          el("td", {}, m.last_timestamp ? new Date(m.last_timestamp).toLocaleString() : "—"),
        );
        if (this.selected === m) tr.classList.add("selected");
        const pick = () => {
          this.selected = m;
          this.render();
        };
        tr.addEventListener("click", pick);
        tr.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            pick();
          }
        });
        return tr;
      }),
    );
    this.renderForm();
  }

  private renderForm(): void {
    const m = this.selected;
    if (!m) {
      this.form.replaceChildren(el("p", { class: "hint" }, "Pick a metric to chart it."));
      return;
    }
    const column = el("select", { name: "column", "aria-label": "measure" }, ...MEASURES[m.table].map((c) => el("option", { value: c }, c)));
    const axis = el("select", { name: "axis", "aria-label": "axis" }, el("option", { value: "left" }, "left axis"), el("option", { value: "right" }, "right axis"));
    const chart = el("select", { name: "chart", "aria-label": "chart to add to" }, el("option", { value: "" }, "new chart"),
      ...this.target.charts().map((c) => el("option", { value: c.id }, c.title)));
    const charts = this.target.charts();
    if (charts.length) chart.value = charts[charts.length - 1].id;
    const add = el("button", { type: "button", id: "add-series" }, "Add to chart");
    add.addEventListener("click", () =>
      this.target.add(chart.value, {
        environment: m.environment, application: m.application, metric_name: m.metric_name,
        table: m.table, column: column.value, axis: axis.value as "left" | "right",
      }),
    );
    this.form.replaceChildren(el("strong", {}, `${m.environment}/${m.application}/${m.metric_name}`), column, axis, chart, add);
  }
}
