// Live lists by polling: kmdb-import streams one import's progress (./stream.ts) but not the list
// of every revision file, so a view of files re-reads its data every few seconds while it is shown
// (faster while files are moving), backing off when the service does not answer and catching up by
// itself when it does again.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../http";

export type PollState = { kind: "live" } | { kind: "retrying"; why: string; inSeconds: number } | { kind: "refused"; why: string };

/** Calls `load` now and then every `every(data)` ms (never while a call is out); the latest data,
 * the link's state, and `again()` to read at once. A change of `key` starts over. */
export function usePoll<T>(key: string, load: () => Promise<T>, every: (data: T) => number): { data: T | null; state: PollState; again: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [state, setState] = useState<PollState>({ kind: "live" });
  const wake = useRef<() => void>(() => undefined);
  useEffect(() => {
    let stopped = false;
    let timer = 0;
    let failures = 0;
    setData(null);
    const tick = async (): Promise<void> => {
      window.clearTimeout(timer);
      let wait: number;
      try {
        const next = await load();
        if (stopped) return;
        failures = 0;
        setData(next);
        setState({ kind: "live" });
        wait = every(next);
      } catch (err) {
        if (stopped) return;
        if (err instanceof ApiError && (err.status === 403 || err.status === 404 || err.status === 400)) {
          setState({ kind: "refused", why: err.words });
          return; // the same request would be refused again
        }
        failures += 1;
        wait = Math.min(30_000, 1000 * 2 ** Math.min(failures, 5));
        setState({ kind: "retrying", why: (err as Error).message, inSeconds: Math.round(wait / 1000) });
      }
      timer = window.setTimeout(() => void tick(), wait);
    };
    wake.current = () => void tick();
    void tick();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [key]);
  return { data, state, again: () => wake.current() };
}

export function LiveBadge(props: { state: PollState }) {
  const { state } = props;
  const words = state.kind === "live" ? "live" : state.kind === "retrying" ? `reconnecting in ${state.inSeconds}s (${state.why})` : state.why;
  return (
    <span class={`live-state ${state.kind}`} role="status" data-state={state.kind}>
      {words}
    </span>
  );
}
