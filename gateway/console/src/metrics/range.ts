// The time range controls: last N hours or days, or a fixed start and end; and live refresh.
import { el, type RangeSpec } from "./state";

function toLocalInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export class RangeControls {
  private mode = el("select", { name: "range-mode", "aria-label": "range mode" }, el("option", { value: "relative" }, "last"), el("option", { value: "fixed" }, "from"));
  private amount = el("input", { type: "number", name: "range-amount", "aria-label": "range amount", min: "1", value: "1", class: "amount" });
  private unit = el("select", { name: "range-unit", "aria-label": "range unit" }, el("option", { value: "hours" }, "hours"), el("option", { value: "days" }, "days"));
  private start = el("input", { type: "datetime-local", name: "range-start", "aria-label": "range start" });
  private end = el("input", { type: "datetime-local", name: "range-end", "aria-label": "range end" });
  private live = el("input", { type: "checkbox", name: "live", checked: "" });
  private relativeBox = el("span", {}, this.amount, this.unit);
  private fixedBox = el("span", {}, this.start, " to ", this.end);

  constructor(root: HTMLElement, private onChange: () => void) {
    const apply = el("button", { type: "button", id: "apply-range" }, "Apply");
    apply.addEventListener("click", () => this.onChange());
    this.mode.addEventListener("change", () => {
      if (this.mode.value === "fixed" && !this.start.value) {
        const now = new Date();
        this.start.value = toLocalInput(new Date(now.getTime() - 3600_000));
        this.end.value = toLocalInput(now);
      }
      this.show();
      this.onChange();
    });
    this.unit.addEventListener("change", () => this.onChange());
    this.live.addEventListener("change", () => this.onChange());
    root.append(this.mode, this.relativeBox, this.fixedBox, apply, el("label", {}, this.live, " live"));
    this.show();
  }

  private show(): void {
    const fixed = this.mode.value === "fixed";
    this.relativeBox.hidden = fixed;
    this.fixedBox.hidden = !fixed;
    this.live.disabled = fixed;
  }

  get(): RangeSpec {
    if (this.mode.value === "fixed") {
      return { mode: "fixed", start: new Date(this.start.value).toISOString(), end: new Date(this.end.value).toISOString() };
    }
    return { mode: "relative", amount: Math.max(1, Number(this.amount.value) || 1), unit: this.unit.value as "hours" | "days" };
  }

  isLive(): boolean {
    return this.mode.value === "relative" && this.live.checked;
  }

  set(range: RangeSpec, live: boolean): void {
    this.mode.value = range.mode;
    if (range.mode === "relative") {
      this.amount.value = String(range.amount);
      this.unit.value = range.unit;
    } else {
      this.start.value = toLocalInput(new Date(range.start));
      this.end.value = toLocalInput(new Date(range.end));
    }
    this.live.checked = live;
    this.show();
  }
}
