// Analytics descriptors as the service's schemas define them (services/analytics/src/analytics/
// analytic/descriptors.py): the kinds, their metrics, the time windows. The form offers only these
// choices and `validate` refuses what the service would refuse, so a descriptor sent is a valid one.

export type Kind = "count" | "segmentation" | "aggregation";

/** For count and segmentation: each dimension and its metrics; `taskId` where one is optional. */
export const METRICS: Record<"count" | "segmentation", Record<string, readonly string[]>> = {
  count: {
    user: ["total", "active", "engaged", "new"],
    message: ["requests", "responses", "notifications", "from_bot"],
    conversation: ["total", "new"],
    dialogue: ["fallback", "intents", "domains"],
    bot: ["response"],
    task: ["total", "new", "new_active", "active", "new_closed", "closed"],
    transaction: ["total"],
  },
  segmentation: {
    user: ["age", "gender"],
    message: ["all", "requests"],
    transaction: ["label"],
  },
};
export const TASK_ID_DIMENSIONS = ["transaction"];
export const AGGREGATIONS = ["avg", "min", "max", "sum", "stats", "extended_stats", "value_count", "cardinality", "percentiles"] as const;
export const OPERATIONS = ["gr", "gre", "lq", "lqe", "term", "match"] as const;
export const OPERATION_WORDS: Record<(typeof OPERATIONS)[number], string> = {
  gr: "greater than",
  gre: "greater or equal",
  lq: "less than",
  lqe: "less or equal",
  term: "is exactly",
  match: "matches",
};
export const MOVING_UNITS = { d: "days", w: "weeks", m: "months", y: "years" } as const;
const DAYS = { d: 1, w: 7, m: 31, y: 366 } as const;
const MAX_DAYS = 5000 * 366;

export type TimeWindow = { type: "moving"; value: string } | { type: "fixed"; start: string; end: string };
export interface Filter {
  field: string;
  operation: (typeof OPERATIONS)[number];
  value: string | number | boolean;
}
export interface Descriptor {
  type: Kind;
  project: string;
  timespan: TimeWindow;
  dimension?: string;
  metric?: string;
  taskId?: string | null;
  field?: string;
  aggregation?: string;
  filters?: Filter[];
}

/** What the form edits: every input as text, turned into a Descriptor by `build`. */
export interface Draft {
  kind: Kind;
  project: string;
  dimension: string;
  metric: string;
  taskId: string;
  field: string;
  aggregation: string;
  filters: { field: string; operation: (typeof OPERATIONS)[number]; value: string }[];
  window: "moving" | "today" | "all" | "fixed";
  amount: string;
  unit: keyof typeof MOVING_UNITS;
  start: string; // datetime-local, read as UTC
  end: string;
}

export const EMPTY_DRAFT: Draft = {
  kind: "count",
  project: "",
  dimension: "message",
  metric: "requests",
  taskId: "",
  field: "",
  aggregation: "avg",
  filters: [],
  window: "moving",
  amount: "30",
  unit: "d",
  start: "",
  end: "",
};

export type Problems = Partial<Record<string, string>>;

/** A filter's value as JSON would carry it: true/false and numbers as such, anything else text. */
function scalar(text: string): string | number | boolean {
  if (text === "true" || text === "false") return text === "true";
  const n = Number(text);
  return text.trim() !== "" && Number.isFinite(n) && !/^0\d/.test(text.trim()) ? n : text;
}

/** A datetime-local value (read as UTC) → ISO 8601 with Z; "" when it is not one. */
export function utc(local: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(local)) return "";
  const iso = `${local.length === 16 ? `${local}:00` : local}Z`;
  return Number.isNaN(Date.parse(iso)) ? "" : iso;
}

function timespan(d: Draft, problems: Problems): TimeWindow | undefined {
  if (d.window === "today" || d.window === "all") return { type: "moving", value: d.window };
  if (d.window === "moving") {
    if (!/^[0-9]{1,12}$/.test(d.amount) || Number(d.amount) < 0) {
      problems.amount = "a whole number of days, weeks, months or years";
      return undefined;
    }
    if (Number(d.amount) * DAYS[d.unit] > MAX_DAYS) {
      problems.amount = "must not reach back beyond 5000 years";
      return undefined;
    }
    return { type: "moving", value: `${Number(d.amount)}${d.unit}` };
  }
  const start = utc(d.start);
  const end = utc(d.end);
  if (!start) problems.start = "a start date and time";
  if (!end) problems.end = "an end date and time";
  if (start && end && Date.parse(start) > Date.parse(end)) problems.end = "must not be before the start";
  return start && end && !problems.end ? { type: "fixed", start, end } : undefined;
}

/** The descriptor a draft means, or the problems per field (nothing is sent then). */
export function build(d: Draft): { descriptor?: Descriptor; problems: Problems } {
  const problems: Problems = {};
  const project = d.project.trim();
  if (!project) problems.project = "the project (app id) the analytic counts in";
  const window = timespan(d, problems);
  let descriptor: Descriptor | undefined;
  if (d.kind === "aggregation") {
    if (!d.field.trim()) problems.field = "the message field to aggregate, e.g. intent.confidence";
    if (!(AGGREGATIONS as readonly string[]).includes(d.aggregation)) problems.aggregation = "one of the aggregations";
    const filters: Filter[] = [];
    d.filters.forEach((f, i) => {
      if (!f.field.trim()) problems[`filter-${i}`] = "a field to filter on";
      else filters.push({ field: f.field.trim(), operation: f.operation, value: scalar(f.value) });
    });
    descriptor = { type: "aggregation", project, timespan: window as TimeWindow, field: d.field.trim(), aggregation: d.aggregation, filters };
  } else {
    const metrics = METRICS[d.kind][d.dimension];
    if (!metrics) problems.dimension = `a ${d.kind} dimension`;
    else if (!metrics.includes(d.metric)) problems.metric = `a metric of ${d.dimension}`;
    descriptor = { type: d.kind, project, timespan: window as TimeWindow, dimension: d.dimension, metric: d.metric };
    if (TASK_ID_DIMENSIONS.includes(d.dimension) && d.taskId.trim()) descriptor.taskId = d.taskId.trim();
  }
  return Object.keys(problems).length || !window ? { problems } : { descriptor, problems };
}

/** One line saying what a descriptor counts, for lists and headings. */
export function describe(d: Descriptor): string {
  const span = d.timespan.type === "fixed" ? `${d.timespan.start} – ${d.timespan.end}` : d.timespan.value;
  const what = d.type === "aggregation" ? `${d.aggregation} of ${d.field}` : `${d.type} ${d.dimension} ${d.metric}`;
  return `${what} · ${d.project} · ${span}`;
}
