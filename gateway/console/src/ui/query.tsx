// A view's parameters in the URL (…/?project=x#/analytics/messages): reload and share open the
// same view. wouter keeps the hash path and the search apart; navigating here always sets the
// search, so another view's parameters never linger.
import type { ComponentChildren } from "preact";
import { useLocation, useRouter, useSearch } from "wouter-preact";

type Params = Record<string, string | number | undefined>;

function searchOf(params: Params): string {
  const kept = Object.entries(params).filter(([, v]) => v !== undefined && v !== "") as [string, string | number][];
  return new URLSearchParams(kept.map(([k, v]) => [k, String(v)])).toString();
}

export function useQuery(): [URLSearchParams, (path: string, params?: Params) => void] {
  const search = useSearch();
  const [, navigate] = useLocation();
  const go = (path: string, params: Params = {}) => navigate(`${path}?${searchOf(params)}`);
  return [new URLSearchParams(search), go];
}

/** A link to a view (path within the current section) with exactly these parameters: its href is
 * the full URL (opened in a new tab, it is that view), a click navigates in place. */
export function ViewLink(props: { to: string; params?: Params; class?: string; id?: string; "aria-label"?: string; "aria-current"?: "page"; children: ComponentChildren }) {
  const { to, params = {}, children, ...rest } = props;
  const { base } = useRouter();
  const [, navigate] = useLocation();
  const search = searchOf(params);
  const href = `/${search ? `?${search}` : ""}#${base}${to}`;
  return (
    <a
      {...rest}
      href={href}
      onClick={(e) => {
        if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return; // a new tab or window
        e.preventDefault();
        navigate(`${to}?${search}`);
      }}
    >
      {children}
    </a>
  );
}

/** A datetime-local input's value (UTC) for a moment. */
export function localInput(date: Date): string {
  return date.toISOString().slice(0, 16);
}
