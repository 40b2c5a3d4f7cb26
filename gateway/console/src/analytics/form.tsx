// Analytics › New analytic: a form offering only what the service's descriptor schemas accept
// (kind → dimension → metric, or an aggregation with filters; a moving or fixed window), checked
// here before it is sent; the service's own refusal, if any, is shown too.
import { useState } from "preact/hooks";
import { useLocation } from "wouter-preact";
import { Problem, attempt } from "../ui/notice";
import { createAnalytic } from "./api";
import { AGGREGATIONS, EMPTY_DRAFT, METRICS, MOVING_UNITS, OPERATIONS, OPERATION_WORDS, TASK_ID_DIMENSIONS, build, type Draft, type Kind, type Problems } from "./descriptors";

function FieldError(props: { id: string; problems: Problems; name: string }) {
  return (
    <p class="field-error" id={props.id}>
      {props.problems[props.name] ?? ""}
    </p>
  );
}

export function NewAnalyticView() {
  const [, navigate] = useLocation();
  const [draft, setDraft] = useState<Draft>({ ...EMPTY_DRAFT, project: new URLSearchParams(location.search).get("project") ?? "" });
  const [problems, setProblems] = useState<Problems>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<Draft>) => setDraft({ ...draft, ...patch });
  const invalid = (name: string) => (problems[name] ? { "aria-invalid": "true" as const, "aria-describedby": `err-${name}` } : {});

  function kind(next: Kind): void {
    if (next === "aggregation") return set({ kind: next });
    const dims = Object.keys(METRICS[next]);
    const dimension = dims.includes(draft.dimension) ? draft.dimension : dims[0];
    const metrics = METRICS[next][dimension];
    set({ kind: next, dimension, metric: metrics.includes(draft.metric) ? draft.metric : metrics[0] });
  }

  async function submit(ev: Event): Promise<void> {
    ev.preventDefault();
    const { descriptor, problems: found } = build(draft);
    setProblems(found);
    if (!descriptor) return;
    setBusy(true);
    const id = await attempt(() => createAnalytic(descriptor), setError);
    setBusy(false);
    if (!id) return;
    navigate(`/descriptors/${encodeURIComponent(id)}?`);
  }

  const dims = draft.kind === "aggregation" ? [] : Object.keys(METRICS[draft.kind]);
  const metrics = draft.kind === "aggregation" ? [] : (METRICS[draft.kind][draft.dimension] ?? []);
  return (
    <div class="view">
      <header class="view-head">
        <h2>New analytic</h2>
        <span class="hint">stored without a result; compute it from its page (the scheduler also recomputes it)</span>
      </header>
      <form class="card descriptor-form" id="analytic-form" onSubmit={(e) => void submit(e)} aria-label="new analytic" noValidate>
        <label>
          Project (app id)
          <input name="project" id="analytic-project" value={draft.project} onInput={(e) => set({ project: e.currentTarget.value })} {...invalid("project")} />
          <FieldError id="err-project" problems={problems} name="project" />
        </label>
        <label>
          Kind
          <select name="kind" id="analytic-kind" value={draft.kind} onChange={(e) => kind(e.currentTarget.value as Kind)}>
            <option value="count">count</option>
            <option value="segmentation">segmentation</option>
            <option value="aggregation">aggregation</option>
          </select>
        </label>
        {draft.kind !== "aggregation" ? (
          <>
            <label>
              Dimension
              <select name="dimension" id="analytic-dimension" value={draft.dimension} onChange={(e) => set({ dimension: e.currentTarget.value, metric: METRICS[draft.kind as "count"][e.currentTarget.value][0] })}>
                {dims.map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Metric
              <select name="metric" id="analytic-metric" value={draft.metric} onChange={(e) => set({ metric: e.currentTarget.value })} {...invalid("metric")}>
                {metrics.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            </label>
            {TASK_ID_DIMENSIONS.includes(draft.dimension) && (
              <label>
                Task id (optional)
                <input name="taskId" value={draft.taskId} onInput={(e) => set({ taskId: e.currentTarget.value })} />
              </label>
            )}
          </>
        ) : (
          <>
            <label>
              Field
              <input name="field" id="analytic-field" placeholder="intent.confidence" value={draft.field} onInput={(e) => set({ field: e.currentTarget.value })} {...invalid("field")} />
              <FieldError id="err-field" problems={problems} name="field" />
            </label>
            <label>
              Aggregation
              <select name="aggregation" value={draft.aggregation} onChange={(e) => set({ aggregation: e.currentTarget.value })}>
                {AGGREGATIONS.map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </select>
            </label>
            <fieldset class="filters-set">
              <legend>Filters (all must hold)</legend>
              {draft.filters.map((f, i) => (
                <div class="filter-row" key={i}>
                  <input aria-label={`filter ${i + 1} field`} value={f.field} placeholder="field" onInput={(e) => set({ filters: draft.filters.map((g, j) => (j === i ? { ...g, field: e.currentTarget.value } : g)) })} {...invalid(`filter-${i}`)} />
                  <select aria-label={`filter ${i + 1} operation`} value={f.operation} onChange={(e) => set({ filters: draft.filters.map((g, j) => (j === i ? { ...g, operation: e.currentTarget.value as Draft["filters"][number]["operation"] } : g)) })}>
                    {OPERATIONS.map((o) => (
                      <option key={o} value={o}>
                        {OPERATION_WORDS[o]}
                      </option>
                    ))}
                  </select>
                  <input aria-label={`filter ${i + 1} value`} value={f.value} placeholder="value" onInput={(e) => set({ filters: draft.filters.map((g, j) => (j === i ? { ...g, value: e.currentTarget.value } : g)) })} />
                  <button type="button" aria-label={`remove filter ${i + 1}`} onClick={() => set({ filters: draft.filters.filter((_, j) => j !== i) })}>
                    Remove
                  </button>
                  <FieldError id={`err-filter-${i}`} problems={problems} name={`filter-${i}`} />
                </div>
              ))}
              <button type="button" onClick={() => set({ filters: [...draft.filters, { field: "", operation: "term", value: "" }] })}>
                Add a filter
              </button>
            </fieldset>
          </>
        )}
        <fieldset class="window-set">
          <legend>Time window</legend>
          <label>
            Window
            <select name="window" id="analytic-window" value={draft.window} onChange={(e) => set({ window: e.currentTarget.value as Draft["window"] })}>
              <option value="moving">the last …</option>
              <option value="today">today</option>
              <option value="all">all time</option>
              <option value="fixed">from … to …</option>
            </select>
          </label>
          {draft.window === "moving" && (
            <>
              <label>
                Amount
                <input name="amount" id="analytic-amount" inputMode="numeric" value={draft.amount} onInput={(e) => set({ amount: e.currentTarget.value })} {...invalid("amount")} />
                <FieldError id="err-amount" problems={problems} name="amount" />
              </label>
              <label>
                Unit
                <select name="unit" value={draft.unit} onChange={(e) => set({ unit: e.currentTarget.value as Draft["unit"] })}>
                  {Object.entries(MOVING_UNITS).map(([k, v]) => (
                    <option key={k} value={k}>
                      {v}
                    </option>
                  ))}
                </select>
              </label>
            </>
          )}
          {draft.window === "fixed" && (
            <>
              <label>
                Start (UTC)
                <input type="datetime-local" name="start" value={draft.start} onInput={(e) => set({ start: e.currentTarget.value })} {...invalid("start")} />
                <FieldError id="err-start" problems={problems} name="start" />
              </label>
              <label>
                End (UTC)
                <input type="datetime-local" name="end" value={draft.end} onInput={(e) => set({ end: e.currentTarget.value })} {...invalid("end")} />
                <FieldError id="err-end" problems={problems} name="end" />
              </label>
            </>
          )}
        </fieldset>
        <div class="form-actions">
          <button type="submit" id="analytic-create" disabled={busy}>
            Create analytic
          </button>
        </div>
      </form>
      <Problem error={error} id="analytic-error" />
    </div>
  );
}
