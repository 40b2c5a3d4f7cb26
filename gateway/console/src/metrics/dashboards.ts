// Save the current dashboard under a name, and load or delete saved ones.
import { ApiError, deleteDashboard, listDashboards, loadDashboard, saveDashboard } from "./api";
import { el, type DashboardData } from "./state";

const TYPE = "time_series";

/** Why a change was refused, in words an operator can act on. */
export function refusal(action: string, err: unknown): string {
  if (err instanceof ApiError && err.status === 403) {
    return `${action} refused (403 Forbidden): ${err.message}`;
  }
  return `${action} failed: ${(err as Error).message}`;
}

export class DashboardControls {
  private name = el("input", { type: "text", name: "dashboard-name", placeholder: "dashboard name", "aria-label": "dashboard name" });
  private saved = el("select", { name: "saved-dashboards", "aria-label": "saved dashboards" });

  constructor(root: HTMLElement, private current: () => DashboardData, private apply: (d: DashboardData) => void,
    private status: (text: string) => void) {
    const save = el("button", { type: "button", id: "save-dashboard" }, "Save");
    const load = el("button", { type: "button", id: "load-dashboard" }, "Load");
    const remove = el("button", { type: "button", id: "delete-dashboard" }, "Delete");
    save.addEventListener("click", () => void this.save());
    load.addEventListener("click", () => void this.load());
    remove.addEventListener("click", () => void this.remove());
    root.append(this.name, save, this.saved, load, remove);
  }

  async refreshList(select?: string): Promise<void> {
    const dashboards = await listDashboards<DashboardData>(TYPE);
    this.saved.replaceChildren(...dashboards.map((d) => el("option", { value: d.name }, d.name)));
    if (select) this.saved.value = select;
  }

  private async save(): Promise<void> {
    const name = this.name.value.trim();
    if (!name) return this.status("name the dashboard first");
    try {
      await saveDashboard(TYPE, name, this.current());
      await this.refreshList(name);
      this.status(`saved “${name}”`);
    } catch (err) {
      this.status(refusal("saving", err));
    }
  }

  private async load(): Promise<void> {
    const name = this.saved.value;
    if (!name) return;
    try {
      const record = await loadDashboard<DashboardData>(TYPE, name);
      this.name.value = name;
      this.apply(record.data);
      this.status(`loaded “${name}”`);
    } catch (err) {
      this.status(`load failed: ${(err as Error).message}`);
    }
  }

  private async remove(): Promise<void> {
    const name = this.saved.value;
    if (!name) return;
    try {
      await deleteDashboard(TYPE, name);
      await this.refreshList();
      this.status(`deleted “${name}”`);
    } catch (err) {
      this.status(refusal("deleting", err));
    }
  }
}
