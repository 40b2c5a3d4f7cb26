// Analytics › Analytics: the descriptors the service keeps (GET /analytic/list), newest first, a
// page at a time with their latest result, narrowed to a project; any one opened by its id. The
// project and the page are in the URL (reload and share).
import { useEffect, useState } from "preact/hooks";
import { useLocation } from "wouter-preact";
import { Problem, attempt } from "../ui/notice";
import { Pager } from "../ui/pager";
import { listAnalytics, type AnalyticList } from "./api";
import { describe } from "./descriptors";
import { resultWords } from "./result";
import { ViewLink, useQuery } from "../ui/query";

const PAGE = 15;
const MAX_WINDOW = 10000; // the service pages within offset + limit ≤ 10,000

export function DescriptorsView() {
  const [, navigate] = useLocation();
  const [query, go] = useQuery();
  const project = query.get("project") ?? "";
  const asked = Math.max(0, Math.floor(Number(query.get("page") ?? 1) - 1) || 0);
  const at = Math.min(asked, MAX_WINDOW / PAGE - 1);
  const [draft, setDraft] = useState(project);
  const [wanted, setWanted] = useState("");
  const [list, setList] = useState<AnalyticList | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => setDraft(project), [project]);
  useEffect(() => {
    let current = true; // a slower answer to an older page never overwrites a newer one
    void attempt(() => listAnalytics(project, at * PAGE, PAGE).then((l) => current && setList(l)), setError);
    return () => void (current = false);
  }, [project, at]);

  const reachable = Math.min(list?.total ?? 0, MAX_WINDOW);
  const pages = Math.max(1, Math.ceil(reachable / PAGE));
  const setPage = (p: number) => go("/descriptors", { project, page: p > 0 ? p + 1 : undefined });
  return (
    <div class="view">
      <header class="view-head">
        <h2>Analytics descriptors</h2>
        <ViewLink to="/descriptors/new" class="button-link" id="new-analytic">
          New analytic
        </ViewLink>
      </header>
      <div class="card toolbar">
        <form
          class="toolbar"
          aria-label="analytics of a project"
          onSubmit={(e) => {
            e.preventDefault();
            go("/descriptors", { project: draft.trim() });
          }}
        >
          <label>
            Project <input name="project" id="analytics-project" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} placeholder="every project" />
          </label>
          <button type="submit" id="analytics-filter">
            Show
          </button>
        </form>
        <form
          class="toolbar"
          aria-label="open an analytic by id"
          onSubmit={(e) => {
            e.preventDefault();
            if (wanted.trim()) navigate(`/descriptors/${encodeURIComponent(wanted.trim())}?`);
          }}
        >
          <label>
            Analytic id <input name="id" value={wanted} onInput={(e) => setWanted(e.currentTarget.value)} />
          </label>
          <button type="submit">Open</button>
        </form>
      </div>
      <Problem error={error} id="analytics-list-error" />
      <section class="card" aria-labelledby="list-title">
        <h3 id="list-title">
          <span id="analytics-total">{list ? list.total : "…"}</span> analytics{project ? ` of ${project}` : ""}
        </h3>
        <div class="table-scroll">
          <table aria-label="analytics">
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Descriptor</th>
                <th scope="col">Latest result</th>
              </tr>
            </thead>
            <tbody>
              {(list?.analytics ?? []).map((a) => (
                <tr key={a.id} data-analytic={a.id}>
                  <td>
                    <ViewLink to={`/descriptors/${encodeURIComponent(a.id)}`}>{a.id}</ViewLink>
                  </td>
                  <td>{describe(a.descriptor)}</td>
                  <td>{resultWords(a.result)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {list && !list.total && <p class="hint">None yet: create one.</p>}
        {list && list.total > MAX_WINDOW && <p class="hint">The first {MAX_WINDOW} are paged: name a project to see the others.</p>}
        <Pager page={at} pages={pages} setPage={setPage} label="analytics" />
      </section>
    </div>
  );
}
