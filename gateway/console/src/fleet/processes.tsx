// Fleet › a bucket's servers and processes, live: status, CPU, memory, restarts, uptime. Both
// lists are paged and filtered on the page; a fleet of 1,000 processes renders one page of rows,
// re-rendered once a second at most (the store gathers the live stream's statuses).
import { useState } from "preact/hooks";
import { Link } from "wouter-preact";
import { Problem } from "../ui/notice";
import { Pager, usePage } from "../ui/pager";
import { bytes, percent, uptime, when } from "./format";
import { processRows, useNow, useStore, type ProcessRow } from "./store";

const SERVERS_PAGE = 20;
const PROCESSES_PAGE = 50;
const enc = encodeURIComponent;

export const processHref = (server: string, pm: number | string | null | undefined, name?: string | null) =>
  `/s/${enc(server)}/p/${enc(String(pm ?? name ?? ""))}`;

function Servers(props: { current?: string }) {
  const { servers } = useStore();
  const [filter, setFilter] = useState("");
  const needle = filter.trim().toLowerCase();
  const shown = needle ? servers.filter((s) => s.machine_name.toLowerCase().includes(needle) || (s.hostname ?? "").toLowerCase().includes(needle)) : servers;
  const sorted = [...shown].sort((a, b) => a.machine_name.localeCompare(b.machine_name));
  const { rows, page, pages, setPage } = usePage(sorted, SERVERS_PAGE);
  return (
    <section class="card" aria-labelledby="servers-title">
      <div class="toolbar">
        <h3 id="servers-title">
          Servers ({servers.filter((s) => s.online).length} online of {servers.length})
        </h3>
        <input type="search" aria-label="filter servers" placeholder="filter servers" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        {props.current ? <Link href="/">all servers</Link> : null}
      </div>
      <div class="scroll">
        <table class="fleet-table" id="servers">
          <thead>
            <tr>
              <th scope="col">Server</th>
              <th scope="col">State</th>
              <th scope="col">Processes</th>
              <th scope="col" class="wide-only">
                Host
              </th>
              <th scope="col" class="wide-only">
                PM2 / agent
              </th>
              <th scope="col" class="wide-only">
                Last status
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.machine_name} data-server={s.machine_name} class={s.machine_name === props.current ? "selected" : ""}>
                <th scope="row">
                  <Link href={`/s/${enc(s.machine_name)}`} aria-current={s.machine_name === props.current ? "page" : undefined}>
                    {s.machine_name}
                  </Link>
                </th>
                <td class={s.online ? "online" : "offline"}>{s.online ? "online" : "offline"}</td>
                <td>{s.processes?.length ?? 0}</td>
                <td class="wide-only">{s.hostname ?? "—"}</td>
                <td class="wide-only">
                  {s.pm2_version ?? "—"} / {s.agent_version ?? "—"}
                </td>
                <td class="wide-only">{when(s.status_at ?? s.last_seen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager page={page} pages={pages} setPage={setPage} label="servers" />
    </section>
  );
}

function ProcessTable(props: { rows: ProcessRow[] }) {
  const now = useNow();
  const { rows, page, pages, setPage } = usePage(props.rows, PROCESSES_PAGE);
  return (
    <>
      <div class="scroll">
        <table class="fleet-table" id="processes">
          <thead>
            <tr>
              <th scope="col">Process</th>
              <th scope="col" class="wide-only">
                Server
              </th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                CPU
              </th>
              <th scope="col" class="num">
                Memory
              </th>
              <th scope="col" class="num">
                Restarts
              </th>
              <th scope="col" class="num">
                Uptime
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ server, process: p, key }) => (
              <tr key={key} data-process={p.name ?? ""} data-server={server.machine_name}>
                <th scope="row">
                  <Link href={processHref(server.machine_name, p.pm_id, p.name)}>{p.name ?? "?"}</Link>
                  <span class="hint"> #{p.pm_id ?? "?"}</span>
                </th>
                <td class="wide-only">{server.machine_name}</td>
                <td class={`status ${p.status ?? ""}`}>{server.online ? (p.status ?? "?") : `${p.status ?? "?"} (server offline)`}</td>
                <td class="num cpu">{percent(p.cpu)}</td>
                <td class="num memory">{bytes(p.memory)}</td>
                <td class="num restarts">{p.restart_time ?? "—"}</td>
                <td class="num uptime">{uptime(p.pm_uptime, p.status, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager page={page} pages={pages} setPage={setPage} label="processes" />
    </>
  );
}

export function ProcessesView(props: { server?: string }) {
  const { servers, loaded, error } = useStore();
  const [filter, setFilter] = useState("");
  const [status, setStatus] = useState("");
  const inServer = props.server ? servers.filter((s) => s.machine_name === props.server) : servers;
  const needle = filter.trim().toLowerCase();
  const all = processRows(inServer);
  const rows = all
    .filter((r) => (!needle || (r.process.name ?? "").toLowerCase().includes(needle)) && (!status || r.process.status === status))
    .sort((a, b) => a.server.machine_name.localeCompare(b.server.machine_name) || (a.process.name ?? "").localeCompare(b.process.name ?? ""));
  const statuses = [...new Set(all.map((r) => r.process.status ?? "?"))].sort();
  return (
    <div class="fleet-processes">
      <Problem error={error} id="servers-error" />
      <Servers current={props.server} />
      <section class="card" aria-labelledby="processes-title">
        <div class="toolbar">
          <h3 id="processes-title">
            Processes{props.server ? ` of ${props.server}` : ""} ({rows.length === all.length ? all.length : `${rows.length} of ${all.length}`})
          </h3>
          <input type="search" aria-label="filter processes by name" placeholder="filter processes" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
          <label>
            Status{" "}
            <select aria-label="filter processes by status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
              <option value="">any</option>
              {statuses.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        </div>
        {loaded && !all.length ? (
          <p class="hint" id="no-processes">
            No process reported yet. Link a PM2 with this bucket's <Link href="/keys">keys</Link>.
          </p>
        ) : null}
        <ProcessTable rows={rows} />
      </section>
    </div>
  );
}
