// Configuration › Followers: each follower's state (revision applied, last fetch and apply), and
// Notify: every follower fetches and applies now; each one's answer is shown (files, hooks, errors).
import { useEffect, useState } from "preact/hooks";
import { Pager, usePage } from "../ui/pager";
import { Problem, attempt } from "../ui/notice";
import { getFollowers, notify, type FollowerStatus, type NotifyReport } from "./api";

const PAGE = 25;
const when = (at?: string | null) => (at ? new Date(at).toLocaleString() : "—");

function NotifyResults(props: { successes: NotifyReport[]; failures: NotifyReport[] }) {
  const rows = [...props.failures.map((r) => ({ ...r, ok: false })), ...props.successes.map((r) => ({ ...r, ok: true }))];
  const { rows: shownRows, page, pages, setPage } = usePage(rows, PAGE);
  return (
    <section class="card" aria-labelledby="notify-results-title" id="notify-results">
      <h3 id="notify-results-title">
        Notify: {props.successes.length} applied, {props.failures.length} failed
      </h3>
      <table class="followers">
        <thead>
          <tr>
            <th scope="col">Follower</th>
            <th scope="col">Role</th>
            <th scope="col">Result</th>
            <th scope="col">Files written</th>
            <th scope="col">Hooks</th>
          </tr>
        </thead>
        <tbody>
          {shownRows.map((r) => (
            <tr key={r.url} class={r.ok ? "ok" : "failed"} data-follower={r.url}>
              <td>{r.url}</td>
              <td>{r.role}</td>
              <td class="result">{r.ok ? `applied revision ${r.revision ?? "?"}` : `failed: ${r.error ?? ""}`}</td>
              <td>{r.ok ? `${r.files?.length ?? 0} written, ${r.unchanged ?? 0} unchanged, ${r.removed?.length ?? 0} removed` : "—"}</td>
              <td>{r.hooks?.length ? r.hooks.map((h) => `${h.cmd.join(" ")} → ${h.rc === 0 ? "ok" : `exit ${h.rc}`}`).join("; ") : "none ran"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager page={page} pages={pages} setPage={setPage} label="notify results" />
    </section>
  );
}

export function FollowersView() {
  const [followers, setFollowers] = useState<FollowerStatus[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [notifyError, setNotifyError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ successes: NotifyReport[]; failures: NotifyReport[] } | null>(null);
  const load = () => attempt(() => getFollowers().then((f) => setFollowers(f.followers)), setError);
  useEffect(() => void load(), []);
  const { rows, page, pages, setPage } = usePage(followers, PAGE);

  async function run(): Promise<void> {
    setBusy(true);
    setResult(null);
    const answer = await attempt(notify, setNotifyError);
    setBusy(false);
    if (answer) setResult(answer);
    await load();
  }

  return (
    <div class="view">
      <header class="view-head">
        <h2>Followers</h2>
        <button type="button" id="notify" onClick={() => void run()} disabled={busy}>
          {busy ? "Notifying…" : "Notify followers"}
        </button>
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
      </header>
      <Problem error={notifyError} id="notify-error" />
      {result && <NotifyResults {...result} />}
      <Problem error={error} />
      <section class="card" aria-labelledby="followers-title">
        <h3 id="followers-title">Status</h3>
        <table class="followers" id="follower-status">
          <thead>
            <tr>
              <th scope="col">Follower</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col">Revision</th>
              <th scope="col">Last fetch</th>
              <th scope="col">Last apply</th>
              <th scope="col">Files</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((f) => (
              <tr key={f.url} class={f.reachable ? "ok" : "failed"}>
                <td>{f.url}</td>
                <td>{f.role}</td>
                <td>{f.reachable ? (f.lastFetch?.ok === false ? `fetch failed: ${f.lastFetch.error}` : "in sync") : `unreachable: ${f.error}`}</td>
                <td>{f.revision ?? "—"}</td>
                <td>{when(f.lastFetch?.at)}</td>
                <td>{when(f.lastApply?.at)}</td>
                <td>{f.files ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pager page={page} pages={pages} setPage={setPage} label="followers" />
      </section>
    </div>
  );
}
