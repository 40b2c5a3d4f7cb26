// Imports › overview: start an import, the imports seen among the newest files, and every revision
// file with its progress, a page at a time (by status), updated live.
import { useState } from "preact/hooks";
import { useLocation } from "wouter-preact";
import { Problem, attempt } from "../ui/notice";
import { listFiles, startImport, type FileProgress, type ImportRequest } from "./api";
import { LiveBadge, usePoll } from "./poll";
import { FileTable, moving } from "./progress";
import { useQuery, ViewLink } from "../ui/query";

const PAGE = 25;
const MAX_OFFSET = 10_000;
const SOURCE = /^(s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?|file:\/\/\/.+)$/;

function StartForm() {
  const [, navigate] = useLocation();
  const [source, setSource] = useState("");
  const [minRevision, setMinRevision] = useState("");
  const [lookahead, setLookahead] = useState("");
  const [force, setForce] = useState(false);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(ev: Event): Promise<void> {
    ev.preventDefault();
    const found: Record<string, string> = {};
    const body: ImportRequest = { force };
    if (source.trim()) {
      if (!SOURCE.test(source.trim())) found.source = "s3://bucket[/prefix] or file:///folder (blank: the service's AWS_BUCKET)";
      else body.source = source.trim();
    }
    if (minRevision.trim()) {
      if (!/^\d{1,7}$/.test(minRevision.trim()) || Number(minRevision) > 8388607) found.min_revision = "a revision number, 0–8388607";
      else body.min_revision = Number(minRevision);
    }
    if (lookahead.trim()) {
      if (!/^\d{1,4}$/.test(lookahead.trim()) || Number(lookahead) < 1 || Number(lookahead) > 1000) found.lookahead = "1–1000 missing revisions probed past the last one";
      else body.lookahead = Number(lookahead);
    }
    setProblems(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    const started = await attempt(() => startImport(body), setError);
    setBusy(false);
    if (started) navigate(`/i/${encodeURIComponent(started.import_id)}?enqueued=${started.enqueued.length}&resumed=${started.resumed.length}&done=${started.already_done.length}`);
  }
  const invalid = (name: string) => (problems[name] ? { "aria-invalid": "true" as const, "aria-describedby": `err-${name}` } : {});
  return (
    <form class="card import-form" id="import-form" onSubmit={(e) => void submit(e)} aria-labelledby="start-title" noValidate>
      <h3 id="start-title">Start an import</h3>
      <label class="wide">
        Source
        <input name="source" id="import-source" placeholder="s3://bucket/prefix (blank: AWS_BUCKET)" value={source} onInput={(e) => setSource(e.currentTarget.value)} {...invalid("source")} />
        <span class="field-error" id="err-source">{problems.source ?? ""}</span>
      </label>
      <label>
        From revision
        <input name="min_revision" id="import-min-revision" inputMode="numeric" placeholder="after the last known" value={minRevision} onInput={(e) => setMinRevision(e.currentTarget.value)} {...invalid("min_revision")} />
        <span class="field-error" id="err-min_revision">{problems.min_revision ?? ""}</span>
      </label>
      <label>
        Lookahead
        <input name="lookahead" id="import-lookahead" inputMode="numeric" placeholder="service default" value={lookahead} onInput={(e) => setLookahead(e.currentTarget.value)} {...invalid("lookahead")} />
        <span class="field-error" id="err-lookahead">{problems.lookahead ?? ""}</span>
      </label>
      <label class="check">
        <input type="checkbox" name="force" checked={force} onChange={(e) => setForce(e.currentTarget.checked)} /> Re-import files already done
      </label>
      <button type="submit" id="import-start" disabled={busy}>
        Start import
      </button>
      <Problem error={error} id="import-error" />
    </form>
  );
}

function RecentImports(props: { files: FileProgress[] }) {
  const byImport = new Map<string, FileProgress[]>();
  for (const f of props.files) if (f.import_id) byImport.set(f.import_id, [...(byImport.get(f.import_id) ?? []), f]);
  if (!byImport.size) return null;
  return (
    <section class="card" aria-labelledby="recent-title">
      <h3 id="recent-title">Imports on this page</h3>
      <ul class="recent-imports">
        {[...byImport.entries()].map(([id, files]) => (
          <li key={id}>
            <ViewLink to={`/i/${encodeURIComponent(id)}`}>{id}</ViewLink>{" "}
            <span class="hint">
              {files.length} files · {files.filter((f) => f.status === "done").length} done · {files.filter((f) => f.status === "running" || f.status === "queued").length} moving · {files.filter((f) => f.status === "failed").length} failed
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function OverviewView() {
  const [query, go] = useQuery();
  const status = query.get("status") ?? "";
  const page = Math.max(0, Math.min(Math.floor(MAX_OFFSET / PAGE), Number(query.get("page") ?? 0) || 0));
  const { data, state } = usePoll(`${status}|${page}`, () => listFiles({ limit: PAGE + 1, offset: page * PAGE, status: status || undefined }), (files) => (moving(files) ? 2000 : 10_000));
  const files = (data ?? []).slice(0, PAGE);
  const more = (data ?? []).length > PAGE && (page + 1) * PAGE < MAX_OFFSET;
  return (
    <div class="view">
      <StartForm />
      <RecentImports files={files} />
      <section class="card" aria-labelledby="files-title">
        <div class="toolbar">
          <h3 id="files-title">Revision files</h3>
          <label>
            Status{" "}
            <select name="status" value={status} onChange={(e) => go("/", { status: e.currentTarget.value })}>
              <option value="">any</option>
              <option value="queued">queued</option>
              <option value="running">running</option>
              <option value="done">done</option>
              <option value="failed">failed</option>
            </select>
          </label>
          <LiveBadge state={state} />
        </div>
        {data && <FileTable files={files} showImport label="revision files" />}
        {data && !files.length && <p class="hint">No file{status ? ` ${status}` : ""} yet.</p>}
        <nav class="pager" aria-label="revision files pages">
          <button type="button" disabled={page === 0} onClick={() => go("/", { status, page: page - 1 || undefined })} aria-label="previous page of revision files">
            ‹ Newer
          </button>
          <span>page {page + 1}</span>
          <button type="button" disabled={!more} onClick={() => go("/", { status, page: page + 1 })} aria-label="next page of revision files">
            Older ›
          </button>
        </nav>
      </section>
    </div>
  );
}
