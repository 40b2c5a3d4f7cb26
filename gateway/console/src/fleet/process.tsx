// One process: its live state; its metrics charted by the Metrics section's own chart, fed by
// ingest's series of this server's process (cpu, memory, every numeric @pm2/io metric, from the
// statuses it stored: exact per server, whatever metrics-api's forwarder is doing); its custom
// actions as buttons (with parameters) and PM2's restart, reload and reset, each showing the
// agent's answer; its logs, exceptions and events.
import "uplot/dist/uPlot.min.css";
import "../metrics/style.css";
import { useEffect, useRef, useState } from "preact/hooks";
import { Link } from "wouter-preact";
import { ChartPanel, type SeriesLoader } from "../metrics/chart";
import type { SeriesSpec } from "../metrics/state";
import { Problem } from "../ui/notice";
import { PM2_METHODS, metricSeries, runAction, runPm2, type CommandResult, type Pm2Method, type Process } from "./api";
import { EventsPanel } from "./events";
import { ExceptionsPanel } from "./exceptions";
import { bytes, percent, pretty, uptime, when } from "./format";
import { LogTail } from "./logs";
import { useNow, useStore } from "./store";

const RANGES = [
  { label: "15 minutes", ms: 15 * 60_000 },
  { label: "1 hour", ms: 3600_000 },
  { label: "6 hours", ms: 6 * 3600_000 },
  { label: "24 hours", ms: 86_400_000 },
];
const CHART_EVERY_MS = 15_000;

// A series of the chart: environment = the server, application = the process (as its label shows).
function series(server: string, process: string, metric: string, axis: "left" | "right"): SeriesSpec {
  return { environment: server, application: process, metric_name: metric, table: "raw_gauge", column: "avg", axis };
}

/** The chart's rows from ingest: about `size` intervals between start and end (at least 1 s each). */
function fromIngest(bucket: string): SeriesLoader {
  return async (s, start, end, size) => {
    const interval = Math.max(1000, Math.ceil((end.getTime() - start.getTime()) / Math.max(1, size)));
    const found = await metricSeries(bucket, s.metric_name, {
      server: s.environment,
      process: s.application,
      interval: `${interval}ms`,
      from: start.getTime(),
      to: end.getTime(),
    });
    return { rows: found.points.map((p) => [new Date(p.t).toISOString(), p.avg]) };
  };
}

/** A chart of the Metrics section (src/metrics/chart.ts) over the last `span` ms, refreshed every 15 s. */
function MetricChart(props: { bucket: string; title: string; series: SeriesSpec[]; span: number }) {
  const host = useRef<HTMLDivElement>(null);
  const key = JSON.stringify(props.series);
  useEffect(() => {
    if (!host.current) return undefined;
    const spec = { id: `fleet-${props.title}`, title: props.title, series: props.series.map((s) => ({ ...s })) };
    const panel = new ChartPanel(spec, () => undefined, () => undefined, fromIngest(props.bucket));
    host.current.append(panel.root);
    const refresh = () => {
      const end = new Date();
      panel.setRange({ start: new Date(end.getTime() - props.span), end });
      if (!panel.isZoomed()) void panel.refresh();
    };
    refresh();
    const timer = window.setInterval(refresh, CHART_EVERY_MS);
    return () => {
      window.clearInterval(timer);
      panel.destroy();
    };
  }, [key, props.bucket, props.title, props.span]);
  return <div ref={host} class="fleet-chart" />;
}

/** What the agent answered, in words first (the action's return value, PM2's result), then in full. */
function Answer(props: { result: CommandResult | null; error: unknown; id: string }) {
  const { result, error, id } = props;
  if (error) return <Problem error={error} id={id} />;
  if (!result) return null;
  const reply = result.replies.find((r) => r.channel === "axm:reply") as { payload?: { data?: { return?: unknown } } } | undefined;
  const pm2 = result.replies.find((r) => r.channel === "trigger:pm2:result") as { payload?: { err?: unknown; ret?: unknown } } | undefined;
  const headline = reply
    ? pretty(reply.payload?.data?.return ?? reply.payload)
    : pm2
      ? pm2.payload?.err
        ? `error: ${pretty(pm2.payload.err)}`
        : `done: ${pretty(pm2.payload?.ret ?? pm2.payload)}`
      : `${result.replies.length} answers`;
  return (
    <div class="answer" id={id} role="status">
      <pre class="answer-headline">{headline}</pre>
      <details>
        <summary>every answer ({result.replies.length})</summary>
        <pre>{pretty(result.replies)}</pre>
      </details>
    </div>
  );
}

function parseParameters(text: string): Record<string, unknown> | undefined {
  if (!text.trim()) return undefined;
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("parameters: a JSON object, like {\"key\": \"value\"}");
  return value as Record<string, unknown>;
}

function CustomAction(props: { server: string; process: Process; action: string }) {
  const { bucketId } = useStore();
  const [params, setParams] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<CommandResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const slug = props.action.replace(/[^A-Za-z0-9_-]/g, "_");

  async function run(ev: Event): Promise<void> {
    ev.preventDefault();
    setBusy(true);
    setResult(null);
    setError(null);
    try {
      const opts = parseParameters(params);
      setResult(await runAction(bucketId, props.server, { process: props.process.name ?? "", action_name: props.action, ...(opts ? { opts } : {}) }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <li class="action" data-action={props.action}>
      <form onSubmit={(ev) => void run(ev)}>
        <button type="submit" class="run-action" disabled={busy} aria-label={`run the action ${props.action}`}>
          {busy ? "…" : props.action}
        </button>
        <input
          class="action-params"
          aria-label={`parameters of ${props.action} (a JSON object, optional)`}
          placeholder='parameters: {"key": "value"}'
          value={params}
          onInput={(e) => setParams(e.currentTarget.value)}
        />
      </form>
      <Answer result={result} error={error} id={`answer-${slug}`} />
    </li>
  );
}

function Pm2Actions(props: { server: string; process: Process }) {
  const { bucketId } = useStore();
  const [busy, setBusy] = useState<Pm2Method | null>(null);
  const [result, setResult] = useState<CommandResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function run(method: Pm2Method): Promise<void> {
    setBusy(method);
    setResult(null);
    setError(null);
    try {
      setResult(await runPm2(bucketId, props.server, method, props.process.name ?? ""));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }
  return (
    <div>
      <div class="toolbar" role="group" aria-label="PM2 actions">
        {PM2_METHODS.map((m) => (
          <button key={m} type="button" id={`pm2-${m}`} disabled={busy !== null} onClick={() => void run(m)} aria-label={`PM2 ${m} of ${props.process.name ?? "the process"}`}>
            {busy === m ? `${m}…` : m}
          </button>
        ))}
      </div>
      <Answer result={result} error={error} id="pm2-answer" />
    </div>
  );
}

export function ProcessView(props: { server: string; pm: string }) {
  const store = useStore();
  const now = useNow();
  const server = store.servers.find((s) => s.machine_name === props.server);
  const process = server?.processes.find((p) => String(p.pm_id) === props.pm) ?? server?.processes.find((p) => p.name === props.pm);
  const custom = Object.keys(process?.metrics ?? {}).filter((m) => {
    const value = process?.metrics?.[m];
    return value !== null && value !== "" && Number.isFinite(Number(value));
  });
  const [extra, setExtra] = useState("");
  const [span, setSpan] = useState(RANGES[0].ms);
  // while a process restarts its status declares no action yet: the last ones known stay shown
  const knownActions = useRef<{ key: string; actions: string[] }>({ key: "", actions: [] });
  const chosen = extra && custom.includes(extra) ? extra : (custom[0] ?? "");

  if (!process || !server) {
    return (
      <section class="card">
        <p class="hint" id="process-missing">
          {store.loaded ? `No process ${props.pm} on ${props.server} in its latest status.` : "Loading…"}{" "}
          <Link href={`/s/${encodeURIComponent(props.server)}`}>the server's processes</Link>
        </p>
      </section>
    );
  }
  const name = process.name ?? "";
  const declared = (process.actions ?? []).filter((a): a is string => typeof a === "string");
  const processKey = `${server.machine_name}\u0000${String(process.pm_id)}`;
  if (declared.length || knownActions.current.key !== processKey) knownActions.current = { key: processKey, actions: declared };
  const actions = knownActions.current.actions;
  const builtIn = actions.filter((a) => a.startsWith("km:"));
  const own = actions.filter((a) => !a.startsWith("km:"));

  return (
    <div class="fleet-process" data-process={name}>
      <section class="card" aria-labelledby="process-title">
        <h3 id="process-title">
          {name} <span class="hint">#{String(process.pm_id)} on </span>
          <Link href={`/s/${encodeURIComponent(server.machine_name)}`}>{server.machine_name}</Link>
        </h3>
        <dl class="facts" id="process-facts">
          <div>
            <dt>Status</dt>
            <dd id="process-status" class={`status ${process.status ?? ""}`}>
              {server.online ? (process.status ?? "?") : `${process.status ?? "?"} (server offline)`}
            </dd>
          </div>
          <div>
            <dt>CPU</dt>
            <dd id="process-cpu">{percent(process.cpu)}</dd>
          </div>
          <div>
            <dt>Memory</dt>
            <dd id="process-memory">{bytes(process.memory)}</dd>
          </div>
          <div>
            <dt>Restarts</dt>
            <dd id="process-restarts">{process.restart_time ?? "—"}</dd>
          </div>
          <div>
            <dt>Uptime</dt>
            <dd id="process-uptime">{uptime(process.pm_uptime, process.status, now)}</dd>
          </div>
          <div>
            <dt>PID</dt>
            <dd>{process.pid ?? "—"}</dd>
          </div>
          <div>
            <dt>Last status</dt>
            <dd>{when(server.status_at)}</dd>
          </div>
        </dl>
        {custom.length ? (
          <dl class="facts" id="process-metrics" aria-label="the process's own metrics">
            {custom.map((m) => (
              <div key={m}>
                <dt>{m}</dt>
                <dd>{String(process.metrics?.[m])}</dd>
              </div>
            ))}
          </dl>
        ) : null}
      </section>
      <section class="card" aria-labelledby="actions-title">
        <h3 id="actions-title">Actions</h3>
        <Pm2Actions server={server.machine_name} process={process} />
        {own.length ? (
          <ul class="actions" id="custom-actions" aria-label="the process's own actions">
            {own.map((a) => (
              <CustomAction key={a} server={server.machine_name} process={process} action={a} />
            ))}
          </ul>
        ) : (
          <p class="hint">The process declares no action of its own (@pm2/io's action()).</p>
        )}
        {builtIn.length ? (
          <details class="builtin-actions">
            <summary>@pm2/io's own actions ({builtIn.length}: heap dump, profiling)</summary>
            <ul class="actions" aria-label="@pm2/io's own actions">
              {builtIn.map((a) => (
                <CustomAction key={a} server={server.machine_name} process={process} action={a} />
              ))}
            </ul>
          </details>
        ) : null}
      </section>
      <section class="card" aria-labelledby="charts-title">
        <div class="toolbar">
          <h3 id="charts-title">Metrics</h3>
          <label>
            Last{" "}
            <select id="chart-range" value={String(span)} onChange={(e) => setSpan(Number(e.currentTarget.value))}>
              {RANGES.map((r) => (
                <option key={r.ms} value={String(r.ms)}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
          {custom.length ? (
            <label>
              Also chart{" "}
              <select id="chart-metric" value={chosen} onChange={(e) => setExtra(e.currentTarget.value)}>
                {custom.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
        </div>
        <div class="charts">
          <MetricChart
            bucket={store.bucketId}
            title="cpu and memory"
            series={[series(server.machine_name, name, "cpu", "left"), series(server.machine_name, name, "memory", "right")]}
            span={span}
          />
          {chosen ? <MetricChart bucket={store.bucketId} title={chosen} series={[series(server.machine_name, name, chosen, "left")]} span={span} /> : null}
        </div>
      </section>
      <LogTail server={server.machine_name} process={name} />
      <ExceptionsPanel server={server.machine_name} process={name} />
      <EventsPanel server={server.machine_name} process={name} />
    </div>
  );
}
