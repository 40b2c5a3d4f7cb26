// Analytics › Analytics: the descriptors this browser created or opened (the service lists none),
// a page at a time with their latest result; any other one opened by its id.
import { useEffect, useState } from "preact/hooks";
import { useLocation } from "wouter-preact";
import { ApiError } from "../http";
import { Pager, usePage } from "../ui/pager";
import { getAnalytic, type Analytic } from "./api";
import { describe } from "./descriptors";
import { forget, knownAnalytics } from "./known";
import { resultWords } from "./result";
import { ViewLink } from "../ui/query";

const PAGE = 15;

function Row(props: { id: string; fallback: string; onGone: () => void }) {
  const [analytic, setAnalytic] = useState<Analytic | null>(null);
  const [missing, setMissing] = useState("");
  useEffect(() => {
    getAnalytic(props.id).then(setAnalytic, (err: unknown) => setMissing(err instanceof ApiError && err.status === 404 ? "deleted" : String((err as Error).message)));
  }, [props.id]);
  return (
    <tr data-analytic={props.id}>
      <td>
        <ViewLink to={`/descriptors/${encodeURIComponent(props.id)}`}>{props.id}</ViewLink>
      </td>
      <td>{analytic ? describe(analytic.descriptor) : props.fallback}</td>
      <td>{missing ? <span class="hint">{missing}</span> : analytic ? resultWords(analytic.result) : "…"}</td>
      <td>
        <button type="button" onClick={props.onGone} aria-label={`forget ${props.id} in this browser`}>
          Forget
        </button>
      </td>
    </tr>
  );
}

export function DescriptorsView() {
  const [, navigate] = useLocation();
  const [known, setKnown] = useState(knownAnalytics());
  const [wanted, setWanted] = useState("");
  const { rows, page, pages, setPage } = usePage(known, PAGE);
  return (
    <div class="view">
      <header class="view-head">
        <h2>Analytics descriptors</h2>
        <ViewLink to="/descriptors/new" class="button-link" id="new-analytic">
          New analytic
        </ViewLink>
      </header>
      <form
        class="card toolbar"
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
        <span class="hint">The service keeps analytics but does not list them: this list holds those created or opened in this browser.</span>
      </form>
      <section class="card" aria-labelledby="known-title">
        <h3 id="known-title">{known.length} analytics</h3>
        <div class="table-scroll">
          <table aria-label="analytics">
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Descriptor</th>
                <th scope="col">Latest result</th>
                <th scope="col">
                  <span class="sr-only">actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((k) => (
                <Row
                  key={k.id}
                  id={k.id}
                  fallback={describe(k.descriptor)}
                  onGone={() => {
                    forget(k.id);
                    setKnown(knownAnalytics());
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
        {!known.length && <p class="hint">None yet: create one.</p>}
        <Pager page={page} pages={pages} setPage={setPage} label="analytics" />
      </section>
    </div>
  );
}
