// A view's parameters in the URL (…/?project=x#/analytics/messages): reload and share open the
// same view. wouter keeps the hash path and the search apart; navigating here always sets the
// search, so another view's parameters never linger.
import { useLocation, useSearch } from "wouter-preact";

export function useQuery(): [URLSearchParams, (path: string, params?: Record<string, string | number | undefined>) => void] {
  const search = useSearch();
  const [, navigate] = useLocation();
  const go = (path: string, params: Record<string, string | number | undefined> = {}) => {
    const kept = Object.entries(params).filter(([, v]) => v !== undefined && v !== "") as [string, string | number][];
    navigate(`${path}?${new URLSearchParams(kept.map(([k, v]) => [k, String(v)]))}`);
  };
  return [new URLSearchParams(search), go];
}

/** A datetime-local input's value (UTC) for a moment. */
export function localInput(date: Date): string {
  return date.toISOString().slice(0, 16);
}
