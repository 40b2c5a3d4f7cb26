// Fleet › Buckets: every bucket (paged, filtered by name), and a form for a new one; a new bucket
// opens on its keys, where the `pm2 link` command to copy is.
import { useEffect, useState } from "preact/hooks";
import { Link, useLocation } from "wouter-preact";
import { Problem, attempt } from "../ui/notice";
import { Pager, usePage } from "../ui/pager";
import { createBucket, listBuckets, type Bucket } from "./api";
import { when } from "./format";

const PAGE = 25;

function NewBucket(props: { onCreated: (bucket: Bucket) => void }) {
  const [name, setName] = useState("");
  const [retention, setRetention] = useState("30");
  const [emails, setEmails] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(ev: Event): Promise<void> {
    ev.preventDefault();
    setBusy(true);
    const created = await attempt(
      () =>
        createBucket({
          name: name.trim(),
          retention_days: Number(retention),
          alert_emails: emails.split(/[\s,]+/).filter(Boolean),
        }),
      setError,
    );
    setBusy(false);
    if (created) props.onCreated(created);
  }

  return (
    <form class="card fleet-form" id="new-bucket" onSubmit={(ev) => void submit(ev)} aria-labelledby="new-bucket-title">
      <h3 id="new-bucket-title">New bucket</h3>
      <label>
        Name
        <input name="bucket-name" required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        Retention (days)
        <input name="retention-days" type="number" min={1} max={3650} required value={retention} onInput={(e) => setRetention(e.currentTarget.value)} />
      </label>
      <label class="wide">
        Alert e-mails (comma-separated)
        <input name="alert-emails" value={emails} onInput={(e) => setEmails(e.currentTarget.value)} placeholder="ops@example.com" />
      </label>
      <button id="create-bucket" type="submit" disabled={busy || !name.trim()}>
        Create bucket
      </button>
      <Problem error={error} id="new-bucket-error" />
    </form>
  );
}

export function BucketsView() {
  const [buckets, setBuckets] = useState<Bucket[]>([]);
  const [filter, setFilter] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(false);
  const [, navigate] = useLocation();
  useEffect(() => {
    void attempt(() => listBuckets().then(setBuckets), setError).then(() => setLoaded(true));
  }, []);
  const needle = filter.trim().toLowerCase();
  const shown = needle ? buckets.filter((b) => b.name.toLowerCase().includes(needle) || b.id.includes(needle)) : buckets;
  const { rows, page, pages, setPage } = usePage(shown, PAGE);

  return (
    <div>
      <header class="view-head">
        <h2 id="fleet-title">Fleet · buckets</h2>
        <span class="hint">A bucket holds the servers linked with its keys (PM2's `pm2 link`).</span>
      </header>
      <Problem error={error} id="buckets-error" />
      <section class="card" aria-labelledby="buckets-title">
        <div class="toolbar">
          <h3 id="buckets-title">Buckets ({buckets.length})</h3>
          <label>
            Filter <input type="search" aria-label="filter buckets by name" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
          </label>
        </div>
        {loaded && !buckets.length && !error ? <p class="hint">No bucket yet: create one below.</p> : null}
        <div class="scroll">
          <table class="fleet-table" id="buckets">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Retention</th>
                <th scope="col">Alert e-mails</th>
                <th scope="col">Created</th>
                <th scope="col">Open</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((b) => (
                <tr key={b.id} data-bucket={b.name}>
                  <th scope="row">
                    <Link href={`/b/${encodeURIComponent(b.id)}`}>{b.name}</Link>
                  </th>
                  <td>{b.retention_days} {b.retention_days === 1 ? "day" : "days"}</td>
                  <td>{b.alert_emails.join(", ") || "—"}</td>
                  <td>{when(b.created_at)}</td>
                  <td class="links">
                    <Link href={`/b/${encodeURIComponent(b.id)}/logs`} aria-label={`logs of ${b.name}`}>
                      logs
                    </Link>{" "}
                    <Link href={`/b/${encodeURIComponent(b.id)}/keys`} aria-label={`keys of ${b.name}`}>
                      keys
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pager page={page} pages={pages} setPage={setPage} label="buckets" />
      </section>
      <NewBucket
        onCreated={(bucket) => {
          setBuckets((current) => [...current, bucket]);
          navigate(`/b/${encodeURIComponent(bucket.id)}/keys`);
        }}
      />
    </div>
  );
}
