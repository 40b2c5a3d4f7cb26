// Configuration › History: revisions newest first, a page at a time, each with its diff (the
// variables it changed, before → after) and a rollback to its variables.
import { useEffect, useState } from "preact/hooks";
import { Problem, attempt } from "../ui/notice";
import { getHistory, getSettings, rollback, shown, type Revision } from "./api";

const PAGE = 10;

function Diff(props: { revision: Revision }) {
  const entries = Object.entries(props.revision.changes);
  if (!entries.length) return <p class="hint">no variable changed</p>;
  return (
    <table class="diff" aria-label={`changes of revision ${props.revision.revision}`}>
      <thead>
        <tr>
          <th scope="col">Variable</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([name, change]) => (
          <tr key={name} data-variable={name}>
            <th scope="row">{name}</th>
            <td class={"from" in change ? "del" : "hint"}>{"from" in change ? shown(change.from) : "(not set)"}</td>
            <td class={"to" in change ? "ins" : "hint"}>{"to" in change ? shown(change.to) : "(removed)"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function HistoryView() {
  const [latest, setLatest] = useState(0);
  const [page, setPage] = useState(0);
  const [revisions, setRevisions] = useState<Revision[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [done, setDone] = useState("");

  const refresh = () => attempt(() => getSettings().then((s) => setLatest(s.revision)), setError);
  useEffect(() => void refresh(), []);
  useEffect(() => {
    if (!latest) return;
    const newest = latest - page * PAGE;
    const after = Math.max(0, newest - PAGE);
    void attempt(() => getHistory(after, newest - after).then((h) => setRevisions([...h.revisions].reverse())), setError);
  }, [latest, page]);
  const pages = Math.max(1, Math.ceil(latest / PAGE));

  async function restore(rev: number): Promise<void> {
    setConfirming(null);
    setDone("");
    const answer = await attempt(() => rollback(rev), setActionError);
    if (!answer) return;
    setDone(`Rolled back: revision ${answer.revision} holds the variables of revision ${rev}. Notify the followers to apply it.`);
    setPage(0);
    await refresh();
  }

  return (
    <div class="view">
      <header class="view-head">
        <h2>History</h2>
        <span class="hint">{latest ? `${latest} revisions, newest first` : ""}</span>
      </header>
      <Problem error={error} />
      <Problem error={actionError} id="history-error" />
      {done && (
        <p class="notice ok" role="status" id="rollback-done">
          {done}
        </p>
      )}
      <ol class="revisions">
        {revisions.map((r) => (
          <li key={r.revision} class="card" data-revision={r.revision}>
            <header class="revision-head">
              <h3>Revision {r.revision}</h3>
              <span>{new Date(r.at).toLocaleString()}</span>
              <span class="hint">
                {r.action}
                {r.rollbackOf ? ` (rollback to ${r.rollbackOf})` : ""}
              </span>
              {r.revision !== latest &&
                (confirming === r.revision ? (
                  <span class="confirm">
                    <button type="button" class="danger" onClick={() => void restore(r.revision)}>
                      Confirm rollback to {r.revision}
                    </button>
                    <button type="button" onClick={() => setConfirming(null)}>
                      Cancel
                    </button>
                  </span>
                ) : (
                  <button type="button" onClick={() => setConfirming(r.revision)} aria-label={`Roll back to revision ${r.revision}`}>
                    Roll back to this
                  </button>
                ))}
            </header>
            <Diff revision={r} />
          </li>
        ))}
      </ol>
      {pages > 1 && (
        <nav class="pager" aria-label="history pages">
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
            ‹ Newer
          </button>
          <span>
            page {page + 1} of {pages}
          </span>
          <button type="button" disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>
            Older ›
          </button>
        </nav>
      )}
    </div>
  );
}
