// One bucket's fleet while its views are open: the servers with their latest processes (loaded
// once, then kept current by the live stream's status events) and the live log, exception and
// event messages passed on to whichever panel listens. Status updates are gathered and applied at
// most once a second, so a fleet of 1,000 processes re-renders once a second, not once a message.
import { createContext } from "preact";
import { useContext, useEffect, useMemo, useState } from "preact/hooks";
import { listServers, type Bucket, type Process, type Server } from "./api";
import { followLive, type LiveEvent, type LiveState } from "./live";

const FLUSH_MS = 1000;
const REFRESH_MS = 30_000;

export type Listener = (event: LiveEvent) => void;

export interface FleetStore {
  bucketId: string;
  bucket: Bucket | null;
  servers: Server[];
  loaded: boolean;
  error: unknown;
  live: { state: LiveState; why: string };
  /** Listens to the live log/exception/event messages; returns what stops listening. */
  listen: (listener: Listener) => () => void;
  reload: () => void;
}

export const StoreContext = createContext<FleetStore | null>(null);

export function useStore(): FleetStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error("Fleet views need a bucket's store");
  return store;
}

export function useFleetStore(bucketId: string, bucket: Bucket | null): FleetStore {
  const [servers, setServers] = useState<Server[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [live, setLive] = useState<{ state: LiveState; why: string }>({ state: "connecting", why: "" });
  const [generation, setGeneration] = useState(0);
  const listeners = useMemo(() => new Set<Listener>(), [bucketId]);
  // the same functions on every render, so a panel's effects that use them do not run again
  const listen = useMemo(
    () =>
      (listener: Listener): (() => void) => {
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
    [listeners],
  );
  const reload = useMemo(() => () => setGeneration((g) => g + 1), []);

  useEffect(() => {
    let stopped = false;
    const pending = new Map<string, { at: number; processes: Process[] }>();
    const flush = window.setInterval(() => {
      if (!pending.size) return;
      const updates = new Map(pending);
      pending.clear();
      setServers((current) => {
        const next = current.map((s) => {
          const update = updates.get(s.machine_name);
          if (!update) return s;
          updates.delete(s.machine_name);
          return { ...s, online: true, status_at: update.at, processes: update.processes };
        });
        // a server first seen on the live stream (linked after the list was loaded): its details
        // (host, versions) come with the list, asked again
        for (const [name, update] of updates) next.push({ machine_name: name, online: true, status_at: update.at, processes: update.processes });
        if (updates.size) window.setTimeout(() => void load(), 0);
        return next;
      });
    }, FLUSH_MS);
    const stop = followLive({
      bucket: bucketId,
      types: ["status", "log", "exception", "event"],
      onEvent: (event) => {
        if (event.type === "status") pending.set(event.server, { at: event.at, processes: event.processes });
        else for (const listener of listeners) listener(event);
      },
      onState: (state, why) => setLive({ state, why }),
    });
    const load = () =>
      listServers(bucketId)
        .then((found) => {
          if (stopped) return;
          setServers((current) => {
            // statuses the live stream already brought may be newer than the list's
            const seen = new Map(current.map((s) => [s.machine_name, s]));
            const merged = found.map((s) => {
              const fresher = seen.get(s.machine_name);
              return fresher && (fresher.status_at ?? 0) > (s.status_at ?? 0) ? { ...s, processes: fresher.processes, status_at: fresher.status_at } : s;
            });
            const names = new Set(found.map((s) => s.machine_name));
            return [...merged, ...current.filter((s) => !names.has(s.machine_name))];
          });
          setError(null);
          setLoaded(true);
        })
        .catch((err: unknown) => {
          if (!stopped) setError(err);
        });
    void load();
    // who went offline (the live stream says only who reports), every 30 s
    const refresh = window.setInterval(() => void load(), REFRESH_MS);
    return () => {
      stopped = true;
      window.clearInterval(flush);
      window.clearInterval(refresh);
      stop();
    };
  }, [bucketId, generation]);

  return {
    bucketId,
    bucket,
    servers,
    loaded,
    error,
    live,
    listen,
    reload,
  };
}

/** The processes of the bucket, one row per process with its server. */
export interface ProcessRow {
  server: Server;
  process: Process;
  key: string;
}

export function processRows(servers: Server[]): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (const server of servers) {
    for (const process of server.processes ?? []) rows.push({ server, process, key: `${server.machine_name}\u0000${process.pm_id ?? process.name}` });
  }
  return rows;
}

/** Ticks every `ms` while mounted: what shows an uptime re-renders with it. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return now;
}
