// An analytic's result as the worker stored it: a count, segments, or Elasticsearch's aggregation.
import type { Result } from "./api";
import { csv } from "./download";

export function resultWords(result: Result | null): string {
  if (!result) return "not computed yet";
  if (result.error) return `not computed: ${result.error}`;
  if (result.type === "count") return `count ${result.count ?? "—"}`;
  if (result.type === "segmentation") return `${result.segments?.length ?? 0} segments`;
  return "aggregation";
}

function flat(value: unknown, path = "", out: [string, string][] = []): [string, string][] {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flat(v, path ? `${path}.${k}` : k, out);
  } else out.push([path || "value", value == null ? "—" : typeof value === "object" ? JSON.stringify(value) : String(value)]);
  return out;
}

/** The result as CSV rows: segments one a line; a count or an aggregation as name,value. */
export function resultCsv(result: Result): string {
  if (result.type === "segmentation") return csv(["segment", "count"], (result.segments ?? []).map((s) => ({ segment: s.type, count: s.count })));
  const rows = result.type === "count" ? [["count", String(result.count ?? "")] as [string, string]] : flat(result.aggregation ?? {});
  return csv(["name", "value"], rows.map(([name, value]) => ({ name, value })));
}

export function ResultView(props: { result: Result | null }) {
  const { result } = props;
  if (!result) return <p class="hint" id="analytic-result">Not computed yet: compute it.</p>;
  const when = (
    <p class="hint">
      computed {result.creationDt ? `${result.creationDt.replace("T", " ").slice(0, 19)} UTC` : ""} over {result.fromDt ? result.fromDt.slice(0, 19).replace("T", " ") : "all time"} – {result.toDt?.slice(0, 19).replace("T", " ")}
    </p>
  );
  if (result.error) {
    return (
      <div id="analytic-result" data-state="error">
        <p class="notice warning">Not computed: {result.error}</p>
        {when}
      </div>
    );
  }
  if (result.type === "count") {
    return (
      <div id="analytic-result" data-state="ready">
        <p class="big-number" aria-label="count">
          <span id="analytic-count">{result.count ?? "—"}</span>
        </p>
        {when}
      </div>
    );
  }
  if (result.type === "segmentation") {
    const segments = result.segments ?? [];
    const top = Math.max(1, ...segments.map((s) => s.count));
    return (
      <div id="analytic-result" data-state="ready">
        <table class="segments" aria-label="segments">
          <thead>
            <tr>
              <th scope="col">Segment</th>
              <th scope="col">Count</th>
              <th scope="col">
                <span class="sr-only">share</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {segments.map((s) => (
              <tr key={s.type}>
                <td>{s.type}</td>
                <td>{s.count}</td>
                <td>
                  <meter min={0} max={top} value={s.count} aria-label={`${s.type}: ${s.count}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {!segments.length && <p class="hint">no segment</p>}
        {when}
      </div>
    );
  }
  return (
    <div id="analytic-result" data-state="ready">
      <table class="facts-table" aria-label="aggregation">
        <tbody>
          {flat(result.aggregation ?? {}).map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {when}
    </div>
  );
}
