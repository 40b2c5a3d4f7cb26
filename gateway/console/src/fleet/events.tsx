// The events timeline of the last 7 days (process events, actions, human events ...), newest
// first, paged by the service (50 a page); the first page is fetched again when the live stream
// tells of an event, and every 30 s.
import { useEffect, useState } from "preact/hooks";
import { Problem, attempt } from "../ui/notice";
import { Pager } from "../ui/pager";
import { listEvents, type FleetEvent } from "./api";
import { pretty, when } from "./format";
import { useStore } from "./store";

const PAGE = 50;
const MAX_ROWS = 10_000; // the service's bound on offset + size
const SINCE_MS = 7 * 86_400_000;
const AFTER_LIVE_MS = 1500;
const EVERY_MS = 30_000;
// what PM2 agents send most; any other channel is in "every channel"
const CHANNELS = ["process:event", "human:event", "axm:reply", "axm:action", "trigger:action", "application:dependencies"];

function what(e: FleetEvent): string {
  return e.event ?? e.action_name ?? e.name ?? "";
}

export function EventsPanel(props: { server?: string; process?: string }) {
  const { bucketId, listen } = useStore();
  const [items, setItems] = useState<FleetEvent[]>([]);
  const [total, setTotal] = useState(0);
  const [loaded, setLoaded] = useState(false);
  const [page, setPage] = useState(0);
  const [channel, setChannel] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [since] = useState(() => Date.now() - SINCE_MS);

  useEffect(() => {
    let current = true;
    let later: number | undefined;
    const load = () =>
      void attempt(async () => {
        const answer = await listEvents(bucketId, { server: props.server, process: props.process, channel }, PAGE, page * PAGE, since);
        if (!current) return;
        setItems(answer.items);
        setTotal(answer.total);
        setLoaded(true);
      }, setError);
    load();
    const every = window.setInterval(load, EVERY_MS);
    const stop = listen((event) => {
      if (event.type === "log" || page !== 0) return;
      window.clearTimeout(later);
      later = window.setTimeout(load, AFTER_LIVE_MS);
    });
    return () => {
      current = false;
      stop();
      window.clearInterval(every);
      window.clearTimeout(later);
    };
  }, [bucketId, listen, props.server, props.process, page, since, channel]);

  const pages = Math.max(1, Math.ceil(Math.min(total, MAX_ROWS) / PAGE));
  return (
    <section class="card" aria-labelledby="events-title">
      <div class="toolbar">
        <h3 id="events-title">
          Events{props.process ? ` of ${props.process}` : ""} (last 7 days: {loaded ? total : "…"})
        </h3>
        <label>
          Channel{" "}
          <select
            class="events-channel"
            value={channel}
            onChange={(e) => {
              setChannel(e.currentTarget.value);
              setPage(0);
            }}
          >
            <option value="">every channel</option>
            {CHANNELS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Problem error={error} id="events-error" />
      <ol class="timeline" id="events">
        {items.map((e, i) => (
          <li key={`${page}-${i}-${String(e.at)}`} data-channel={e.channel ?? ""}>
            <time>{when(e.at)}</time>
            <span class="event-channel">{e.channel ?? "?"}</span>
            <strong class="event-what">{what(e)}</strong>
            <span class="event-where">
              {e.server ?? "?"}/{e.process?.name ?? "—"}
            </span>
            {e.payload !== undefined && e.payload !== null ? (
              <details>
                <summary>payload</summary>
                <pre>{pretty(e.payload)}</pre>
              </details>
            ) : null}
          </li>
        ))}
      </ol>
      {loaded && !items.length ? <p class="hint">No event.</p> : null}
      <Pager page={page} pages={pages} setPage={setPage} label="events" />
    </section>
  );
}
