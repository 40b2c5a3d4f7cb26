// A revision file's progress as a row: status, a progress bar (bytes read of its length), lines,
// events and bad lines (linking to them); shared by the files list and an import's page.
import type { FileProgress } from "./api";
import { ViewLink } from "../ui/query";

const n = new Intl.NumberFormat("en");

export function percent(f: FileProgress): number {
  if (f.status === "done") return 100;
  return f.length ? Math.min(100, Math.floor((f.offset / f.length) * 100)) : 0;
}

export function FileRow(props: { file: FileProgress; showImport?: boolean }) {
  const f = props.file;
  return (
    <tr data-revision={f.revision} data-status={f.status}>
      <th scope="row">
        <ViewLink to={`/f/${f.revision}`}>{f.revision}</ViewLink>
      </th>
      {props.showImport && <td>{f.import_id ? <ViewLink to={`/i/${encodeURIComponent(f.import_id)}`}>{f.import_id.slice(0, 12)}</ViewLink> : <span class="hint">—</span>}</td>}
      <td>
        <span class={`file-status ${f.status}`}>{f.status}</span>
        {f.job_status && f.job_status !== f.status && <span class="hint"> (job {f.job_status})</span>}
      </td>
      <td class="progress-cell">
        <progress max={100} value={percent(f)} aria-label={`revision ${f.revision}: ${percent(f)}% read`} />
        <span class="num">{percent(f)}%</span>
      </td>
      <td class="num">{n.format(f.line)}</td>
      <td class="num">{n.format(f.events)}</td>
      <td class="num">{n.format(f.properties)}</td>
      <td class="num">
        {f.bad_lines ? (
          <ViewLink to={`/f/${f.revision}`} aria-label={`${f.bad_lines} bad lines of revision ${f.revision}`}>
            {n.format(f.bad_lines)}
          </ViewLink>
        ) : (
          0
        )}
      </td>
      <td class="error-cell">{f.error ?? ""}</td>
    </tr>
  );
}

export function FileTable(props: { files: FileProgress[]; showImport?: boolean; label: string }) {
  return (
    <div class="table-scroll">
      <table class="files" aria-label={props.label}>
        <thead>
          <tr>
            <th scope="col">Revision</th>
            {props.showImport && <th scope="col">Import</th>}
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th scope="col" class="num">Lines</th>
            <th scope="col" class="num">Events</th>
            <th scope="col" class="num">Properties</th>
            <th scope="col" class="num">Bad lines</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {props.files.map((f) => (
            <FileRow key={f.revision} file={f} showImport={props.showImport} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

export const moving = (files: FileProgress[]): boolean => files.some((f) => f.status === "queued" || f.status === "running");
