// How the Fleet section writes numbers and times.
const units = ["B", "KiB", "MiB", "GiB", "TiB"];

export function bytes(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  let v = value;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "—" : `${value.toFixed(value < 10 ? 1 : 0)} %`;
}

/** How long since `startMs` (PM2's pm_uptime is the start time in epoch ms). */
export function uptime(startMs: number | null | undefined, status: string | null | undefined, now = Date.now()): string {
  if (!startMs || status !== "online") return "—";
  let s = Math.max(0, Math.floor((now - startMs) / 1000));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s}s`;
  return `${s}s`;
}

/** A time the services give as epoch ms or ISO text. */
export function when(at: unknown): string {
  if (at === null || at === undefined || at === "") return "—";
  const date = typeof at === "number" ? new Date(at) : new Date(String(at));
  return Number.isNaN(date.getTime()) ? String(at) : date.toLocaleString();
}

export function pretty(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}
