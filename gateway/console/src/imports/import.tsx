// Imports › one import: its source, totals and every file's progress, live over the service's
// progress stream (./stream.ts) until every file is done or failed; then its own events per day
// (GET /imports/{id}/events-per-day: the rows made from its files), charted over the days it
// covers without asking, re-read as its files finish.
import { useEffect, useRef, useState } from "preact/hooks";
import { ChartPanel, type SeriesLoader } from "../metrics/chart";
import { Problem, attempt } from "../ui/notice";
import { Pager, usePage } from "../ui/pager";
import { useQuery, ViewLink } from "../ui/query";
import { importDays, type Import, type ImportDays } from "./api";
import { LiveBadge, type PollState } from "./poll";
import { FileTable, moving } from "./progress";
import { followImport } from "./stream";

const n = new Intl.NumberFormat("en");
const DAY = 86_400_000;
const MAX_POINTS = 3660; // ten years of days: the chart of a longer import starts at its last ones

/** Counts per UTC day from `start` to `end`, every day present (0 without events). */
function daysLoader(days: ImportDays): SeriesLoader {
  const byDay = new Map(days.days.map((d) => [d.day, d.count]));
  return async (_s, start, end) => {
    const rows: [string, number][] = [];
    const first = Math.max(Date.parse(`${start.toISOString().slice(0, 10)}T00:00:00Z`), end.getTime() - (MAX_POINTS - 1) * DAY);
    for (let t = first; t <= end.getTime(); t += DAY) {
      const day = new Date(t).toISOString().slice(0, 10);
      rows.push([`${day}T00:00:00Z`, byDay.get(day) ?? 0]);
    }
    return { rows };
  };
}

function ImportDaysChart(props: { days: ImportDays }) {
  const host = useRef<HTMLDivElement>(null);
  const { days } = props;
  useEffect(() => {
    if (!host.current || !days.days.length) return;
    const series = { environment: "kmdb", application: "this import", metric_name: "events", table: "raw_gauge" as const, column: "per day", axis: "left" as const };
    const panel = new ChartPanel({ id: "kmdb-import-events", title: "Events per day (UTC)", series: [series] }, () => undefined, () => undefined, daysLoader(days));
    host.current.replaceChildren(panel.root);
    const first = days.days[0].day;
    const last = days.days[days.days.length - 1].day;
    panel.setRange({ start: new Date(`${first}T00:00:00Z`), end: new Date(`${last}T00:00:00Z`) });
    void panel.refresh();
    return () => panel.destroy();
  }, [days]);
  return <div ref={host} class="events-chart" id="events-chart" />;
}

/** The import's events per day, read now and again whenever `version` changes. */
function useImportDays(id: string, version: string): { days: ImportDays | null; error: unknown } {
  const [days, setDays] = useState<ImportDays | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!version) return;
    let current = true; // an older answer never overwrites a newer one
    void attempt(() => importDays(id).then((d) => current && setDays(d)), setError);
    return () => void (current = false);
  }, [id, version]);
  return { days, error };
}

export function ImportView(props: { id: string }) {
  const [query] = useQuery();
  const [data, setData] = useState<Import | null>(null);
  const [state, setState] = useState<PollState>({ kind: "live" });
  useEffect(() => followImport({ id: props.id, onProgress: setData, onState: setState }), [props.id]);
  const enqueued = query.get("enqueued");
  const finished = data !== null && !moving(data.files);
  const t = data?.totals ?? {};
  // the days again as each file finishes, and once at the end
  const { days, error } = useImportDays(props.id, data ? `${t.files_done ?? 0}|${t.files_failed ?? 0}|${finished}` : "");
  const { rows, page, pages, setPage } = usePage(data?.files ?? [], 50);
  const first = days?.days[0]?.day;
  const last = days?.days[days.days.length - 1]?.day;
  return (
    <div class="view">
      <header class="view-head">
        <h2>Import {props.id}</h2>
        {finished && state.kind === "live" ? (
          <span class="live-state" role="status" data-state="finished">
            finished
          </span>
        ) : (
          <LiveBadge state={state} />
        )}
      </header>
      {enqueued !== null && (
        <p class="notice ok" role="status">
          Started: {enqueued} files queued, {query.get("resumed") ?? 0} resumed, {query.get("done") ?? 0} already done.
        </p>
      )}
      {data && (
        <>
          <section class="card" aria-labelledby="import-totals">
            <h3 id="import-totals">
              {data.source} <span class="hint">· started {data.created_at.replace("T", " ").slice(0, 19)} UTC{data.force ? " · forced" : ""}</span>
            </h3>
            <p id="import-state" data-state={finished ? "finished" : "moving"}>
              {finished ? (t.files_failed ? `Finished: ${t.files_done} done, ${t.files_failed} failed.` : `Done: all ${t.files} files imported.`) : `Importing: ${t.files_done ?? 0} of ${t.files ?? 0} files done…`}
            </p>
            <progress max={Math.max(1, t.files ?? 0)} value={(t.files_done ?? 0) + (t.files_failed ?? 0)} aria-label="files finished" />
            <dl class="facts">
              {["files", "files_done", "files_failed", "line", "events", "properties", "aliases", "skipped", "bad_lines"]
                .filter((k) => k in t)
                .map((k) => (
                  <div key={k}>
                    <dt>{k.replace("_", " ")}</dt>
                    <dd data-total={k}>{n.format(t[k])}</dd>
                  </div>
                ))}
            </dl>
          </section>
          <section class="card" aria-labelledby="import-files">
            <h3 id="import-files">Files</h3>
            <FileTable files={rows} label="files of this import" />
            <Pager page={page} pages={pages} setPage={setPage} label="files of this import" />
          </section>
          <section class="card" aria-labelledby="import-events">
            <div class="toolbar">
              <h3 id="import-events">Events per day</h3>
              {days && (
                <span class="hint" id="import-days-total" data-total={days.total}>
                  {n.format(days.total)} events of this import{first ? ` · ${first} – ${last} (UTC)` : ""}
                </span>
              )}
              {first && last && (
                <ViewLink to="/events" params={{ from: first, to: last }}>
                  these days by event name
                </ViewLink>
              )}
            </div>
            <Problem error={error} id="import-days-error" />
            {days && (days.days.length ? <ImportDaysChart days={days} /> : <p class="hint">{finished ? "This import added no event." : "No event imported yet."}</p>)}
          </section>
        </>
      )}
      {!data && state.kind === "refused" && <p class="notice error">{state.why}</p>}
    </div>
  );
}
