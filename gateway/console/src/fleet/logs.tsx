// The live log tail: the last lines matching the search (ingest's full-text log search, the last
// 24 hours), then every matching line the live stream brings, newest first, paged; a search box and
// a stream (out/err) filter, both in the URL's query (…/?q=error&stream=err#/fleet/b/<id>/logs), so a
// reload or a shared link shows the same lines; Pause keeps the page still while lines keep coming.
import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "wouter-preact";
import { Problem, attempt } from "../ui/notice";
import { Pager, usePage } from "../ui/pager";
import { useQuery } from "../ui/query";
import { searchLogs, type LogLine } from "./api";
import { when } from "./format";
import type { LogEvent } from "./live";
import { useStore } from "./store";

const KEEP = 2000; // lines kept in the page's memory
const FIRST = 200; // lines fetched on each search
const PAGE = 100;
const DAY_MS = 86_400_000;
const RETRY_MS = 5000;

interface Line extends LogLine {
  key: number;
}

interface Filter {
  q: string;
  stream: "" | "out" | "err";
}

let counter = 0;

/** One line's identity, the same whether it came live or from the search. */
function signature(l: LogLine): string {
  const at = typeof l.at === "number" ? l.at : Date.parse(String(l.at));
  return `${at}|${l.server ?? ""}|${l.process?.name ?? ""}|${l.stream ?? "out"}|${l.message ?? ""}`;
}

function matches(line: LogEvent, filter: Filter, server?: string, process?: string): boolean {
  if (server && line.server !== server) return false;
  if (process && line.process?.name !== process) return false;
  if (filter.stream && (line.stream ?? "out") !== filter.stream) return false;
  if (!filter.q) return true;
  // the service's search is by words; here every word must be in the line (case aside)
  const text = (line.message ?? "").toLowerCase();
  return filter.q.toLowerCase().split(/\s+/).filter(Boolean).every((w) => text.includes(w));
}

export function LogTail(props: { server?: string; process?: string }) {
  const { bucketId, listen } = useStore();
  const [query, go] = useQuery();
  const [location] = useLocation();
  const asked = query.get("stream");
  const filter: Filter = { q: query.get("q") ?? "", stream: asked === "out" || asked === "err" ? asked : "" };
  const [q, setQ] = useState(filter.q);
  const [stream, setStream] = useState<Filter["stream"]>(filter.stream);
  useEffect(() => {
    setQ(filter.q);
    setStream(filter.stream);
  }, [filter.q, filter.stream]);
  const setFilter = (next: Filter) => go(location, { q: next.q, stream: next.stream });
  const [lines, setLines] = useState<Line[]>([]);
  const [paused, setPaused] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [total, setTotal] = useState<number | null>(null);
  const pending = useRef<Line[]>([]);
  const pausedRef = useRef(false);
  pausedRef.current = paused;

  // the search: the newest matching lines stored so far (the lines shown always match the filter
  // shown: none until the search answers; a failed search is said and tried again every 5 s)
  useEffect(() => {
    let current = true;
    let retry: number | undefined;
    pending.current = [];
    setLines([]);
    setTotal(null);
    const search = async () => {
      const found = await attempt(
        () => searchLogs(bucketId, { q: filter.q, stream: filter.stream, server: props.server, process: props.process, from: Date.now() - DAY_MS }, FIRST, 0),
        (e) => current && setError(e),
      );
      if (!current) return;
      if (!found) {
        retry = window.setTimeout(() => void search(), RETRY_MS);
        return;
      }
      setTotal(found.total);
      // live lines that came while the search ran stay (newest first), less those it found too
      const stored = found.items.map((l) => ({ ...l, key: ++counter }));
      const seen = new Set(stored.map(signature));
      setLines((live) => [...live.filter((l) => !seen.has(signature(l))), ...stored].slice(0, KEEP));
    };
    void search();
    return () => {
      current = false;
      window.clearTimeout(retry);
    };
  }, [bucketId, filter.q, filter.stream, props.server, props.process]);

  // then the live lines that match, added at most once a second
  useEffect(() => {
    const stop = listen((event) => {
      if (event.type !== "log" || !matches(event, filter, props.server, props.process)) return;
      pending.current.push({ at: event.at, server: event.server, process: event.process, stream: event.stream, message: event.message, key: ++counter });
    });
    const timer = window.setInterval(() => {
      if (!pending.current.length || pausedRef.current) return;
      const fresh = pending.current.reverse();
      pending.current = [];
      setLines((current) => [...fresh, ...current].slice(0, KEEP));
      setTotal((t) => (t === null ? t : t + fresh.length));
    }, 1000);
    return () => {
      stop();
      window.clearInterval(timer);
    };
  }, [bucketId, listen, filter.q, filter.stream, props.server, props.process]);

  const { rows, page, pages, setPage } = usePage(lines, PAGE);
  const since = Date.now() - DAY_MS;

  return (
    <section class="card log-tail" aria-labelledby="logs-title">
      <form
        class="toolbar"
        onSubmit={(ev) => {
          ev.preventDefault();
          setFilter({ q: q.trim(), stream });
        }}
      >
        <h3 id="logs-title">Logs{props.process ? ` of ${props.process}` : ""}</h3>
        <input id="log-search" type="search" aria-label="search the logs" placeholder="search words" value={q} maxLength={1000} onInput={(e) => setQ(e.currentTarget.value)} />
        <label>
          Stream{" "}
          <select
            id="log-stream"
            value={stream}
            onChange={(e) => {
              const value = e.currentTarget.value as Filter["stream"];
              setStream(value);
              setFilter({ q: q.trim(), stream: value });
            }}
          >
            <option value="">out and err</option>
            <option value="out">out</option>
            <option value="err">err</option>
          </select>
        </label>
        <button type="submit" id="log-apply">
          Search
        </button>
        <button type="button" id="log-pause" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? "Resume" : "Pause"}
        </button>
        <span class="hint" role="status">
          {total === null ? "" : `${total} matching since ${new Date(since).toLocaleString()}${paused ? " · paused" : ""}`}
        </span>
      </form>
      <Problem error={error} id="logs-error" />
      <ol class="log-lines" id="log-lines" aria-label="log lines, newest first">
        {rows.map((l) => (
          <li key={l.key} class={l.stream === "err" ? "err" : "out"}>
            <time>{when(l.at)}</time>
            <span class="log-where">
              {l.server ?? "?"}/{l.process?.name ?? "?"}
            </span>
            <span class="log-stream">{l.stream ?? "out"}</span>
            <span class="log-message">{l.message ?? ""}</span>
          </li>
        ))}
      </ol>
      {!lines.length && total !== null ? <p class="hint">No line matches.</p> : null}
      <Pager page={page} pages={pages} setPage={setPage} label="log lines" />
    </section>
  );
}
