// A bucket's alert rules (ingest mails the bucket's alert e-mails when one fires): a metric above or
// below a threshold for a duration, restarts, exceptions; narrowed by process and server names.
import { useEffect, useState } from "preact/hooks";
import { Problem, attempt } from "../ui/notice";
import { Pager, usePage } from "../ui/pager";
import { createRule, deleteRule, listRules, replaceRule, type Rule, type RuleInput } from "./api";
import { useStore } from "./store";

const PAGE = 25;

function describe(r: Rule): string {
  if (r.kind === "metric") return `${r.metric} ${r.op} ${r.threshold}${r.duration_s ? ` for ${r.duration_s} s` : ""}`;
  return r.kind === "restarts" ? "a restart" : "an exception";
}

function NewRule(props: { bucket: string; onCreated: (r: Rule) => void }) {
  const [kind, setKind] = useState<RuleInput["kind"]>("metric");
  const [metric, setMetric] = useState("cpu");
  const [op, setOp] = useState<RuleInput["op"]>("above");
  const [threshold, setThreshold] = useState("90");
  const [duration, setDuration] = useState("60");
  const [process, setProcess] = useState("");
  const [server, setServer] = useState("");
  const [cooldown, setCooldown] = useState("300");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(ev: Event): Promise<void> {
    ev.preventDefault();
    const rule: RuleInput = {
      kind,
      op,
      metric: kind === "metric" ? metric.trim() : null,
      threshold: kind === "metric" ? Number(threshold) : null,
      duration_s: kind === "metric" ? Number(duration) : 0,
      process: process.trim() || null,
      server: server.trim() || null,
      cooldown_s: Number(cooldown),
      enabled: true,
    };
    setBusy(true);
    const created = await attempt(() => createRule(props.bucket, rule), setError);
    setBusy(false);
    if (created) props.onCreated(created);
  }

  return (
    <form class="card fleet-form" id="new-rule" onSubmit={(ev) => void submit(ev)} aria-labelledby="new-rule-title">
      <h3 id="new-rule-title">New rule</h3>
      <label>
        When
        <select name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as RuleInput["kind"])}>
          <option value="metric">a metric passes a threshold</option>
          <option value="restarts">a process restarts</option>
          <option value="exception">a process throws</option>
        </select>
      </label>
      {kind === "metric" ? (
        <>
          <label>
            Metric
            <input name="metric" required maxLength={256} value={metric} onInput={(e) => setMetric(e.currentTarget.value)} />
          </label>
          <label>
            Is
            <select name="op" value={op} onChange={(e) => setOp(e.currentTarget.value as RuleInput["op"])}>
              <option value="above">above</option>
              <option value="below">below</option>
            </select>
          </label>
          <label>
            Threshold
            <input name="threshold" type="number" step="any" required value={threshold} onInput={(e) => setThreshold(e.currentTarget.value)} />
          </label>
          <label>
            For (seconds)
            <input name="duration" type="number" min={0} max={86400} value={duration} onInput={(e) => setDuration(e.currentTarget.value)} />
          </label>
        </>
      ) : null}
      <label>
        Process (blank: any)
        <input name="process" maxLength={256} value={process} onInput={(e) => setProcess(e.currentTarget.value)} />
      </label>
      <label>
        Server (blank: any)
        <input name="server" maxLength={256} value={server} onInput={(e) => setServer(e.currentTarget.value)} />
      </label>
      <label>
        Cooldown (seconds)
        <input name="cooldown" type="number" min={0} max={604800} value={cooldown} onInput={(e) => setCooldown(e.currentTarget.value)} />
      </label>
      <button type="submit" id="create-rule" disabled={busy}>
        Add rule
      </button>
      <Problem error={error} id="new-rule-error" />
    </form>
  );
}

export function AlertsView() {
  const store = useStore();
  const [rules, setRules] = useState<Rule[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    void attempt(() => listRules(store.bucketId).then(setRules), setError);
  }, [store.bucketId]);
  const { rows, page, pages, setPage } = usePage(rules, PAGE);

  async function toggle(rule: Rule): Promise<void> {
    const { id, bucket_id: _bucket, created_at: _created, ...input } = rule;
    const changed = await attempt(() => replaceRule(store.bucketId, id, { ...input, enabled: !rule.enabled }), setError);
    if (changed) setRules((current) => current.map((r) => (r.id === id ? changed : r)));
  }

  async function remove(rule: Rule): Promise<void> {
    const done = await attempt(() => deleteRule(store.bucketId, rule.id), setError);
    if (done !== undefined) setRules((current) => current.filter((r) => r.id !== rule.id));
  }

  return (
    <div>
      <section class="card" aria-labelledby="rules-title">
        <h3 id="rules-title">Alert rules ({rules.length})</h3>
        <p class="hint">
          Mailed to {store.bucket?.alert_emails.length ? store.bucket.alert_emails.join(", ") : "the bucket's alert e-mails (none set)"}.
        </p>
        <Problem error={error} id="rules-error" />
        <div class="scroll">
          <table class="fleet-table" id="rules">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Process</th>
                <th scope="col">Server</th>
                <th scope="col">Cooldown</th>
                <th scope="col">Enabled</th>
                <th scope="col">Remove</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-rule={r.id}>
                  <th scope="row">{describe(r)}</th>
                  <td>{r.process ?? "any"}</td>
                  <td>{r.server ?? "any"}</td>
                  <td>{r.cooldown_s} s</td>
                  <td class="enabled">
                    <label>
                      <input type="checkbox" checked={r.enabled} onChange={() => void toggle(r)} aria-label={`rule ${describe(r)} enabled`} /> {r.enabled ? "yes" : "no"}
                    </label>
                  </td>
                  <td>
                    <button type="button" class="danger" aria-label={`remove the rule ${describe(r)}`} onClick={() => void remove(r)}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pager page={page} pages={pages} setPage={setPage} label="alert rules" />
      </section>
      {/* the list's load may answer after the creation, already holding the new rule */}
      <NewRule bucket={store.bucketId} onCreated={(r) => setRules((current) => (current.some((x) => x.id === r.id) ? current : [...current, r]))} />
    </div>
  );
}
