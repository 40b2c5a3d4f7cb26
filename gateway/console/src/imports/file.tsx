// Imports › one revision file: its progress (live while it moves) and its bad lines with their
// line numbers, reasons and excerpts, a page at a time.
import { useEffect, useState } from "preact/hooks";
import { Problem, attempt } from "../ui/notice";
import { useQuery, ViewLink } from "../ui/query";
import { fileErrors, getFile, type FileErrors } from "./api";
import { LiveBadge, usePoll } from "./poll";
import { FileTable } from "./progress";

const PAGE = 50;
const MAX_OFFSET = 10_000;

export function FileView(props: { revision: number }) {
  const [query, go] = useQuery();
  const page = Math.max(0, Math.min(Math.floor(MAX_OFFSET / PAGE), Number(query.get("page") ?? 0) || 0));
  const { data, state } = usePoll(String(props.revision), () => getFile(props.revision), (f) => (f.status === "queued" || f.status === "running" ? 1500 : 15_000));
  const [errors, setErrors] = useState<FileErrors | null>(null);
  const [error, setError] = useState<unknown>(null);
  const badLines = data?.bad_lines ?? 0;
  useEffect(() => {
    let current = true; // a slower answer to an older request never overwrites a newer one
    void attempt(() => fileErrors(props.revision, PAGE, page * PAGE).then((e) => current && setErrors(e)), setError);
    return () => void (current = false);
  }, [props.revision, page, badLines]);
  const pages = errors ? Math.max(1, Math.ceil(Math.min(errors.total, MAX_OFFSET + PAGE) / PAGE)) : 1;
  return (
    <div class="view">
      <header class="view-head">
        <h2>Revision {props.revision}</h2>
        <LiveBadge state={state} />
        {data?.import_id && <ViewLink to={`/i/${encodeURIComponent(data.import_id)}`}>import {data.import_id}</ViewLink>}
      </header>
      {data && (
        <section class="card" aria-label="progress">
          <p class="hint">{data.source}</p>
          <FileTable files={[data]} label="this file" />
        </section>
      )}
      <Problem error={error} />
      {errors && (
        <section class="card" aria-labelledby="errors-title">
          <h3 id="errors-title">
            <span id="file-error-total">{errors.total}</span> bad lines
          </h3>
          {errors.errors.length > 0 && (
            <div class="table-scroll">
              <table class="file-errors" aria-label="bad lines">
                <thead>
                  <tr>
                    <th scope="col" class="num">Line</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Excerpt</th>
                  </tr>
                </thead>
                <tbody>
                  {errors.errors.map((e) => (
                    <tr key={e.line} data-line={e.line}>
                      <th scope="row" class="num">{e.line}</th>
                      <td>{e.reason}</td>
                      <td>
                        <code>{e.excerpt}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {pages > 1 && (
            <nav class="pager" aria-label="bad lines pages">
              <button type="button" disabled={page === 0} onClick={() => go(`/f/${props.revision}`, { page: page - 1 || undefined })} aria-label="previous page of bad lines">
                ‹ Previous
              </button>
              <span>
                page {page + 1} of {pages}
              </span>
              <button type="button" disabled={page >= pages - 1} onClick={() => go(`/f/${props.revision}`, { page: page + 1 })} aria-label="next page of bad lines">
                Next ›
              </button>
            </nav>
          )}
        </section>
      )}
    </div>
  );
}
