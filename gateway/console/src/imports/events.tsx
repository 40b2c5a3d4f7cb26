// Imports › events per day: kmdb's event counts (GET /stats/events) charted by the Metrics
// section's chart (src/metrics/chart.ts, fed by a loader of its own: days with no event count 0),
// and the counts per day and event name, a page at a time. Days are UTC; the range is in the URL.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ChartPanel, type SeriesLoader } from "../metrics/chart";
import { Problem, attempt } from "../ui/notice";
import { Pager, usePage } from "../ui/pager";
import { useQuery } from "../ui/query";
import { eventCounts, type EventCount } from "./api";

const DAY = 86_400_000;
const MAX_DAYS = 3660; // the service's limit: ten years at a time

export const isoDay = (d: Date): string => d.toISOString().slice(0, 10);
const validDay = (s: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));

/** Counts per UTC day between start and end (all names summed), every day present. */
export const perDay: SeriesLoader = async (s, start, end) => {
  const from = isoDay(start);
  const to = isoDay(new Date(Math.min(end.getTime(), start.getTime() + (MAX_DAYS - 1) * DAY)));
  const counts = await eventCounts(from, to, s.metric_name === "all events" ? undefined : s.metric_name);
  const byDay = new Map<string, number>();
  for (const c of counts) byDay.set(c.day, (byDay.get(c.day) ?? 0) + c.count);
  const rows: [string, number][] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY) {
    const day = new Date(t).toISOString().slice(0, 10);
    rows.push([`${day}T00:00:00Z`, byDay.get(day) ?? 0]);
  }
  return { rows };
};

/** The chart of events per day from `from` to `to` (YYYY-MM-DD), of one event name or all. */
export function EventsChart(props: { from: string; to: string; name: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const series = { environment: "kmdb", application: "events", metric_name: props.name || "all events", table: "raw_gauge" as const, column: "per day", axis: "left" as const };
    const panel = new ChartPanel({ id: "kmdb-events", title: `Events per day (UTC)${props.name ? `: ${props.name}` : ""}`, series: [series] }, () => undefined, () => undefined, perDay);
    host.current.replaceChildren(panel.root);
    panel.setRange({ start: new Date(`${props.from}T00:00:00Z`), end: new Date(`${props.to}T00:00:00Z`) });
    void panel.refresh();
    return () => panel.destroy();
  }, [props.from, props.to, props.name]);
  return <div ref={host} class="events-chart" id="events-chart" />;
}

export function EventsView() {
  const [query, go] = useQuery();
  const today = new Date();
  const asked = {
    from: query.get("from") ?? isoDay(new Date(today.getTime() - 30 * DAY)),
    to: query.get("to") ?? isoDay(today),
    name: query.get("name") ?? "",
  };
  const [draft, setDraft] = useState(asked);
  const [problem, setProblem] = useState("");
  const [counts, setCounts] = useState<EventCount[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const ok = validDay(asked.from) && validDay(asked.to) && asked.from <= asked.to && (Date.parse(asked.to) - Date.parse(asked.from)) / DAY < MAX_DAYS;
  useEffect(() => setDraft(asked), [query.toString()]);
  useEffect(() => {
    setCounts(null);
    let current = true; // a slower answer to an older request never overwrites a newer one
    if (ok) void attempt(() => eventCounts(asked.from, asked.to, asked.name || undefined).then((c) => current && setCounts(c)), setError);
    return () => void (current = false);
  }, [asked.from, asked.to, asked.name]);
  const sorted = useMemo(() => [...(counts ?? [])].sort((a, b) => (a.day === b.day ? b.count - a.count : a.day < b.day ? -1 : 1)), [counts]);
  const { rows, page, pages, setPage } = usePage(sorted, 25);
  const total = sorted.reduce((a, c) => a + c.count, 0);

  function submit(ev: Event): void {
    ev.preventDefault();
    if (!validDay(draft.from) || !validDay(draft.to)) return setProblem("from and to are days: YYYY-MM-DD");
    if (draft.from > draft.to) return setProblem("'to' is before 'from'");
    if ((Date.parse(draft.to) - Date.parse(draft.from)) / DAY >= MAX_DAYS) return setProblem("at most ten years at a time");
    setProblem("");
    go("/events", draft);
  }
  return (
    <div class="view">
      <form class="card toolbar events-form" id="events-form" onSubmit={submit} aria-label="events per day">
        <label>
          From (UTC day) <input type="date" name="from" id="events-from" value={draft.from} onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })} />
        </label>
        <label>
          To <input type="date" name="to" id="events-to" value={draft.to} onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })} />
        </label>
        <label>
          Event name <input name="name" placeholder="all" value={draft.name} onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })} />
        </label>
        <button type="submit" id="events-show">
          Chart
        </button>
      </form>
      {problem && <p class="notice error">{problem}</p>}
      <Problem error={error} id="events-error" />
      {ok && (
        <section class="card" aria-label="events per day chart">
          <EventsChart from={asked.from} to={asked.to} name={asked.name} />
        </section>
      )}
      {counts && (
        <section class="card" aria-labelledby="counts-title">
          <h3 id="counts-title">
            <span id="events-total">{total}</span> events, by day and name
          </h3>
          <div class="table-scroll">
            <table aria-label="events by day and name">
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col">Event</th>
                  <th scope="col" class="num">Count</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((c) => (
                  <tr key={`${c.day}|${c.name}`}>
                    <td>{c.day}</td>
                    <td>{c.name}</td>
                    <td class="num">{c.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {!sorted.length && <p class="hint">No event on these days.</p>}
          <Pager page={page} pages={pages} setPage={setPage} label="event counts" />
        </section>
      )}
    </div>
  );
}
