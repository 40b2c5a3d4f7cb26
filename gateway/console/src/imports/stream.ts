// An import's progress, live over kmdb-import's Server-Sent Events (GET /kmdb/imports/{id}/stream),
// read with fetch() so the operator's Authorization header is sent (an EventSource cannot send one)
// and parsed by eventsource-parser. Each `progress` event is the whole import (as GET
// /imports/{id}); its id is sent back as Last-Event-ID on a reconnect, so an unchanged import is not
// sent again. Reconnects by itself (the service's `retry`, doubling up to 30 s) after a drop, an
// error event, the service ending the stream after its few minutes, or 45 s of silence (it sends a
// keep-alive every 15 s); stops at `done`. A 401 ends the session like any call; 403/404 stop it.
import { EventSourceParserStream } from "eventsource-parser/stream";
import { end, session } from "../session";
import type { Import } from "./api";
import type { PollState } from "./poll";

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;
const QUIET_MS = 45_000;

export interface ImportStreamOptions {
  id: string;
  onProgress: (progress: Import) => void;
  onState: (state: PollState) => void;
  onDone?: () => void;
}

/** Follows an import's progress until it is done or the returned function is called. */
export function followImport(options: ImportStreamOptions): () => void {
  const { id, onProgress, onState } = options;
  let stopped = false;
  let controller: AbortController | null = null;
  let timer: number | undefined;
  let delay = FIRST_DELAY_MS;
  let lastId = "";
  let running = false;

  async function connect(): Promise<void> {
    running = true;
    const opened = Date.now();
    controller = new AbortController();
    const abort = controller;
    let quiet: number | undefined;
    const heard = () => {
      window.clearTimeout(quiet);
      quiet = window.setTimeout(() => abort.abort(), QUIET_MS);
    };
    let why = "the stream ended";
    try {
      const token = session.token();
      const headers: Record<string, string> = { Accept: "text/event-stream" };
      if (token) headers.Authorization = `Bearer ${token}`;
      if (lastId) headers["Last-Event-ID"] = lastId;
      const response = await fetch(`/kmdb/imports/${encodeURIComponent(id)}/stream`, { headers, signal: abort.signal, cache: "no-store" });
      if (response.status === 401) {
        end("Signed out: the progress stream refused the session");
        return;
      }
      const body = response.ok ? null : ((await response.json().catch(() => null)) as { error?: unknown } | null);
      const words = `${typeof body?.error === "string" ? body.error : response.statusText} (${response.status})`;
      if (response.status === 403 || response.status === 404) {
        stopped = true;
        onState({ kind: "refused", why: response.status === 403 ? `Refused (403 Forbidden): ${words}` : words });
        return;
      }
      if (!response.ok || !response.body) throw new Error(words);
      heard();
      const reader = response.body
        .pipeThrough(new TextDecoderStream())
        .pipeThrough(
          new EventSourceParserStream({
            onComment: heard,
            onRetry: (ms) => void (delay = Math.max(FIRST_DELAY_MS, Math.min(MAX_DELAY_MS, ms))),
          }),
        )
        .getReader();
      onState({ kind: "live" });
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        heard();
        if (value.event === "progress") {
          if (value.id) lastId = value.id;
          onProgress(JSON.parse(value.data) as Import);
        } else if (value.event === "done") {
          stopped = true;
          options.onDone?.();
          return;
        } else if (value.event === "error") {
          why = (JSON.parse(value.data) as { error?: string }).error ?? "the service could not read the progress";
          break;
        }
      }
    } catch (err) {
      if (stopped) return;
      why = (err as Error).message || "the stream broke";
    } finally {
      window.clearTimeout(quiet);
      running = false;
    }
    if (stopped) return;
    // the service ends a stream after a few minutes: then reconnect at once, quietly
    const wait = why === "the stream ended" && Date.now() - opened > 10_000 ? 0 : delay;
    if (wait) onState({ kind: "retrying", why, inSeconds: Math.round(wait / 1000) });
    timer = window.setTimeout(() => void connect(), wait);
    if (wait) delay = Math.min(MAX_DELAY_MS, delay * 2);
    else delay = FIRST_DELAY_MS;
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
