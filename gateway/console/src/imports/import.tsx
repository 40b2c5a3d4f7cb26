// Imports › one import: its source, totals and every file's progress, live until every file is
// done or failed; then its events per day (the days are the operator's to pick: the service
// counts events by day, not by import).
import { Pager, usePage } from "../ui/pager";
import { useQuery, ViewLink } from "../ui/query";
import { getImport } from "./api";
import { EventsChart, isoDay } from "./events";
import { LiveBadge, usePoll } from "./poll";
import { FileTable, moving } from "./progress";

const n = new Intl.NumberFormat("en");

export function ImportView(props: { id: string }) {
  const [query, go] = useQuery();
  const { data, state } = usePoll(props.id, () => getImport(props.id), (i) => (moving(i.files) ? 1500 : 15_000));
  const enqueued = query.get("enqueued");
  const from = query.get("from") ?? "";
  const to = query.get("to") ?? "";
  const finished = data && data.files.length > 0 && !moving(data.files);
  const { rows, page, pages, setPage } = usePage(data?.files ?? [], 50);
  const t = data?.totals ?? {};
  return (
    <div class="view">
      <header class="view-head">
        <h2>Import {props.id}</h2>
        <LiveBadge state={state} />
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
              <form
                class="toolbar"
                id="import-events-form"
                aria-label="days to chart"
                onSubmit={(e) => {
                  e.preventDefault();
                  const f = new FormData(e.currentTarget);
                  go(`/i/${encodeURIComponent(props.id)}`, { from: String(f.get("from") ?? ""), to: String(f.get("to") ?? "") });
                }}
              >
                <label>
                  From <input type="date" name="from" id="import-events-from" defaultValue={from || isoDay(new Date(Date.now() - 30 * 86_400_000))} required />
                </label>
                <label>
                  To <input type="date" name="to" id="import-events-to" defaultValue={to || isoDay(new Date())} required />
                </label>
                <button type="submit" id="import-events-show">
                  Chart these days
                </button>
              </form>
              {from && to && <ViewLink to="/events" params={{ from, to }}>by event name</ViewLink>}
            </div>
            {from && to && from <= to ? <EventsChart from={from} to={to} name="" /> : <p class="hint">Pick the days the export covers.</p>}
          </section>
        </>
      )}
      {!data && state.kind === "refused" && <p class="notice error">{state.why}</p>}
    </div>
  );
}
