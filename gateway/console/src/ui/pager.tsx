// Paging for every list: a page of `size` items and labelled buttons to move between pages.
import { useEffect, useState } from "preact/hooks";

export function usePage<T>(items: T[], size: number): { rows: T[]; page: number; pages: number; setPage: (p: number) => void } {
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(items.length / size));
  useEffect(() => {
    if (page >= pages) setPage(pages - 1);
  }, [page, pages]);
  const at = Math.min(page, pages - 1);
  return { rows: items.slice(at * size, at * size + size), page: at, pages, setPage };
}

export function Pager(props: { page: number; pages: number; setPage: (p: number) => void; label: string }) {
  const { page, pages, setPage, label } = props;
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" onClick={() => setPage(page - 1)} disabled={page === 0} aria-label={`previous page of ${label}`}>
        ‹ Previous
      </button>
      <span aria-live="polite">
        page {page + 1} of {pages}
      </span>
      <button type="button" onClick={() => setPage(page + 1)} disabled={page >= pages - 1} aria-label={`next page of ${label}`}>
        Next ›
      </button>
    </nav>
  );
}
