// Exceptions of the last 7 days grouped by message and stack (ingest groups them): count, first and
// last seen, the processes, and the stack on opening a group. Fetched again a moment after the live
// stream tells of a new exception (it is stored just after), and every 30 s.
import { useEffect, useState } from "preact/hooks";
import { Problem, attempt } from "../ui/notice";
import { Pager, usePage } from "../ui/pager";
import { listExceptions, type ExceptionGroup } from "./api";
import { when } from "./format";
import { useStore } from "./store";

const PAGE = 20;
const SINCE_MS = 7 * 86_400_000;
const AFTER_LIVE_MS = [1500, 5000];
const EVERY_MS = 30_000;

function processNames(list: unknown[]): string {
  return list.map((p) => (typeof p === "object" && p !== null ? String((p as { name?: unknown }).name ?? "?") : String(p))).join(", ");
}

export function ExceptionsPanel(props: { server?: string; process?: string }) {
  const { bucketId, listen } = useStore();
  const [groups, setGroups] = useState<ExceptionGroup[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    let current = true;
    const timers: number[] = [];
    const load = () =>
      void attempt(async () => {
        const answer = await listExceptions(bucketId, { server: props.server, process: props.process }, Date.now() - SINCE_MS);
        if (!current) return;
        setGroups(answer.groups);
        setLoaded(true);
      }, setError);
    load();
    const every = window.setInterval(load, EVERY_MS);
    const stop = listen((event) => {
      if (event.type !== "exception") return;
      if (props.server && event.server !== props.server) return;
      if (props.process && event.process?.name !== props.process) return;
      for (const ms of AFTER_LIVE_MS) timers.push(window.setTimeout(load, ms));
    });
    return () => {
      current = false;
      stop();
      window.clearInterval(every);
      timers.forEach((t) => window.clearTimeout(t));
    };
  }, [bucketId, listen, props.server, props.process]);

  const { rows, page, pages, setPage } = usePage(groups, PAGE);
  return (
    <section class="card" aria-labelledby="exceptions-title">
      <h3 id="exceptions-title">
        Exceptions{props.process ? ` of ${props.process}` : ""} (last 7 days: {loaded ? `${groups.length} ${groups.length === 1 ? "group" : "groups"}` : "…"})
      </h3>
      <Problem error={error} id="exceptions-error" />
      {loaded && !groups.length ? <p class="hint">No exception.</p> : null}
      <ul class="exceptions" id="exceptions">
        {rows.map((g) => (
          <li key={g.fingerprint} data-fingerprint={g.fingerprint}>
            <details>
              <summary>
                <strong class="exception-message">
                  {g.name ? `${g.name}: ` : ""}
                  {g.message ?? "(no message)"}
                </strong>
                <span class="exception-facts">
                  <span class="count">×{g.count}</span> · first {when(g.first_seen)} · last {when(g.last_seen)} · {processNames(g.processes) || "?"}
                </span>
              </summary>
              <pre class="stack">{g.stack ?? "(no stack)"}</pre>
            </details>
          </li>
        ))}
      </ul>
      <Pager page={page} pages={pages} setPage={setPage} label="exceptions" />
    </section>
  );
}
