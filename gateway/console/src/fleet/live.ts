// A bucket's live stream (ingest's Server-Sent Events at /ingest/api/buckets/{id}/live), read with
// fetch() and a ReadableStream so the operator's Authorization header is sent (an EventSource cannot
// send one), parsed by eventsource-parser. It reconnects by itself (1 s, doubling up to 30 s) after a
// drop, an error or 45 s without even a keep-alive; the browser going offline drops it at once and
// coming back online reconnects at once; a 401 ends the session like any other call; a 403 stops
// it, said in `state`.
import { EventSourceParserStream } from "eventsource-parser/stream";
import { end, session } from "../session";
import { INGEST, type Process } from "./api";

export interface StatusEvent {
  type: "status";
  server: string;
  at: number;
  processes: Process[];
}

export interface LogEvent {
  type: "log";
  server: string;
  at: number;
  process?: { name?: string | null; pm_id?: number | string | null } | null;
  stream?: string | null;
  message?: string | null;
}

export interface OtherEvent {
  type: "exception" | "event";
  server: string;
  at: number;
  process?: { name?: string | null; pm_id?: number | string | null } | null;
  message?: string | null;
  name?: string | null;
  event?: string | null;
}

export type LiveEvent = StatusEvent | LogEvent | OtherEvent;
export type LiveState = "connecting" | "live" | "retrying" | "refused";

export interface LiveOptions {
  bucket: string;
  types: ("status" | "log" | "exception" | "event")[];
  onEvent: (event: LiveEvent) => void;
  onState?: (state: LiveState, why: string) => void;
}

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;
const QUIET_MS = 45_000; // the service sends a keep-alive every 15 s: silence this long is a dead link

/** Follows the bucket's live stream until the returned function is called. */
export function followLive(options: LiveOptions): () => void {
  const { bucket, types, onEvent } = options;
  const onState = options.onState ?? (() => undefined);
  let stopped = false;
  let controller: AbortController | null = null;
  let timer: number | undefined;
  let delay = FIRST_DELAY_MS;
  let running = false;

  async function connect(): Promise<void> {
    running = true;
    controller = new AbortController();
    const abort = controller;
    let quiet: number | undefined;
    const heard = () => {
      window.clearTimeout(quiet);
      quiet = window.setTimeout(() => abort.abort(), QUIET_MS);
    };
    onState("connecting", "");
    try {
      const token = session.token();
      const response = await fetch(`${INGEST}/api/buckets/${encodeURIComponent(bucket)}/live?types=${types.join(",")}`, {
        headers: { Accept: "text/event-stream", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        signal: abort.signal,
        cache: "no-store",
      });
      if (response.status === 401) {
        end("Signed out: the live stream refused the session");
        return;
      }
      if (response.status === 403 || response.status === 404) {
        const body = (await response.json().catch(() => null)) as { error?: unknown } | null;
        stopped = true;
        onState("refused", `${typeof body?.error === "string" ? body.error : response.statusText} (${response.status})`);
        return;
      }
      if (!response.ok || !response.body) throw new Error(`${response.status} ${response.statusText}`);
      onState("live", "");
      delay = FIRST_DELAY_MS;
      heard();
      const events = response.body
        .pipeThrough(new TextDecoderStream())
        .pipeThrough(new EventSourceParserStream({ onComment: heard }));
      const reader = events.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        heard();
        try {
          onEvent(JSON.parse(value.data) as LiveEvent);
        } catch {
          // a message that is not JSON is skipped; the stream goes on
        }
      }
      if (!stopped) onState("retrying", "the stream ended");
    } catch (err) {
      if (!stopped) onState("retrying", (err as Error).message || "the stream broke");
    } finally {
      window.clearTimeout(quiet);
      running = false;
    }
    if (stopped) return;
    timer = window.setTimeout(() => void connect(), delay);
    delay = Math.min(MAX_DELAY_MS, delay * 2);
  }

  const offline = () => controller?.abort();
  const online = () => {
    if (stopped || running) return;
    window.clearTimeout(timer);
    delay = FIRST_DELAY_MS;
    void connect();
  };
  window.addEventListener("offline", offline);
  window.addEventListener("online", online);
  void connect();
  return () => {
    stopped = true;
    window.removeEventListener("offline", offline);
    window.removeEventListener("online", online);
    window.clearTimeout(timer);
    controller?.abort();
  };
}
