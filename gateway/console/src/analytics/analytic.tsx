// Analytics › one analytic: its descriptor, its latest result, "Compute now" (queued for the
// workers, then polled until a newer result is stored), the result downloadable, delete.
import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "wouter-preact";
import { ApiError } from "../http";
import { Problem, attempt } from "../ui/notice";
import { computeAnalytic, deleteAnalytic, getAnalytic, type Analytic } from "./api";
import { describe } from "./descriptors";
import { safeName, save } from "./download";
import { ResultView, resultCsv } from "./result";

const POLL_MS = 1500;
const WAIT_MS = 180_000;

export function AnalyticView(props: { id: string }) {
  const [, navigate] = useLocation();
  const [analytic, setAnalytic] = useState<Analytic | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [computing, setComputing] = useState("");
  const [confirming, setConfirming] = useState(false);
  const alive = useRef(true);
  useEffect(() => () => void (alive.current = false), []);

  useEffect(() => {
    setAnalytic(null);
    void attempt(
      () =>
        getAnalytic(props.id).then(setAnalytic),
      setError,
    );
  }, [props.id]);

  async function compute(): Promise<void> {
    const before = analytic?.result?.creationDt ?? "";
    setComputing("queued: waiting for a worker…");
    const deadline = Date.now() + WAIT_MS;
    // the service limits computations per minute across every caller (429): ask again shortly
    setActionError(null);
    for (;;) {
      try {
        await computeAnalytic(props.id);
        break;
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 429) || !alive.current || Date.now() > deadline) {
          setActionError(err);
          return setComputing("");
        }
        setComputing("the service limits computations per minute: asking again in 5 s…");
        await new Promise((r) => window.setTimeout(r, 5000));
      }
    }
    setActionError(null);
    setComputing("queued: waiting for a worker…");
    while (alive.current && Date.now() < deadline) {
      await new Promise((r) => window.setTimeout(r, POLL_MS));
      try {
        const now = await getAnalytic(props.id);
        if ((now.result?.creationDt ?? "") !== before) {
          setAnalytic(now);
          setComputing("");
          return;
        }
      } catch (err) {
        setComputing(`waiting (retrying: ${(err as Error).message})`);
      }
    }
    if (alive.current) setComputing("no new result yet: the workers may be busy; reload later");
  }

  async function remove(): Promise<void> {
    setConfirming(false);
    const done = await attempt(() => deleteAnalytic(props.id).then(() => true), setActionError);
    if (!done) return;
    navigate("/descriptors?");
  }

  const name = safeName(`analytic-${props.id}`);
  return (
    <div class="view">
      <header class="view-head">
        <h2>Analytic {props.id}</h2>
        {analytic && <span class="hint">{describe(analytic.descriptor)}</span>}
      </header>
      <Problem error={error} id="analytic-load-error" />
      {analytic && (
        <>
          <section class="card" aria-labelledby="result-title">
            <div class="toolbar">
              <h3 id="result-title">Result</h3>
              <button type="button" id="analytic-compute" onClick={() => void compute()} disabled={!!computing}>
                Compute now
              </button>
              {analytic.result && (
                <>
                  <button type="button" id="result-csv" onClick={() => save(`${name}.csv`, resultCsv(analytic.result!), "text/csv")}>
                    Download CSV
                  </button>
                  <button type="button" id="result-json" onClick={() => save(`${name}.json`, JSON.stringify(analytic, null, 1), "application/json")}>
                    Download JSON
                  </button>
                </>
              )}
              {computing && (
                <span class="hint" role="status" id="analytic-computing">
                  {computing}
                </span>
              )}
            </div>
            <Problem error={actionError} id="analytic-action-error" />
            <ResultView result={analytic.result} />
          </section>
          <section class="card" aria-labelledby="descriptor-title">
            <div class="toolbar">
              <h3 id="descriptor-title">Descriptor</h3>
              {confirming ? (
                <span class="confirm">
                  <button type="button" class="danger" onClick={() => void remove()}>
                    Confirm delete
                  </button>
                  <button type="button" onClick={() => setConfirming(false)}>
                    Cancel
                  </button>
                </span>
              ) : (
                <button type="button" class="danger" onClick={() => setConfirming(true)}>
                  Delete analytic
                </button>
              )}
            </div>
            <pre class="json" id="analytic-descriptor">
              {JSON.stringify(analytic.descriptor, null, 2)}
            </pre>
          </section>
        </>
      )}
    </div>
  );
}
