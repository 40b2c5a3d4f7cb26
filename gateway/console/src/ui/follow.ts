// Following one of the suite's Server-Sent Events streams (ingest's live bucket, kmdb-import's
// progress): read with fetch() so the operator's Authorization header is sent (an EventSource cannot
// send one), parsed by eventsource-parser. It reconnects by itself after a drop, an error or 45 s
// without even a keep-alive (the services send one every 15 s): after 1 s, doubling up to 30 s, or
// after the service's `retry`; a stream the service ended after a while is reopened at once, quietly.
// The last event id is sent back as Last-Event-ID. The browser going offline drops the stream at
// once and coming back online reconnects at once. A 401 ends the session like any other call;
// 403/404 stop the follow (the same request would be refused again).
import type { EventSourceMessage } from "eventsource-parser";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { end, session } from "../session";

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;
const QUIET_MS = 45_000;
const LONG_STREAM_MS = 10_000; // a stream ended after this long was closed by the service: reopen now

/** What an event means for the follow: nothing (go on), "done" (stop following), or a reason to
 * drop the stream and reconnect. */
export type Verdict = void | "done" | { reconnect: string };

export interface FollowOptions {
  /** The stream's URL path, e.g. /kmdb/imports/7/stream. */
  path: string;
  /** Words for the sign-out when the stream refuses the session (401). */
  signedOut: string;
  onMessage: (message: EventSourceMessage) => Verdict;
  onConnecting?: () => void;
  onLive: () => void;
  /** The stream broke: `why`, and the wait before the next try. */
  onRetrying: (why: string, waitMs: number) => void;
  /** 403 or 404: `words` is the service's error and the status, e.g. "no such import (404)". */
  onRefused: (status: number, words: string) => void;
}

/** Follows the stream until an event says "done", it is refused, or the returned function is called. */
export function follow(options: FollowOptions): () => void {
  let stopped = false;
  let controller: AbortController | null = null;
  let timer: number | undefined;
  let delay = FIRST_DELAY_MS;
  let lastId = "";
  let running = false;

  async function read(body: ReadableStream<BufferSource>, heard: () => void): Promise<string> {
    const reader = body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(
        new EventSourceParserStream({
          onComment: heard,
          onRetry: (ms) => void (delay = Math.max(FIRST_DELAY_MS, Math.min(MAX_DELAY_MS, ms))),
        }),
      )
      .getReader();
    delay = FIRST_DELAY_MS; // connected: a `retry` the stream sends may still set it
    options.onLive();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return "the stream ended";
      heard();
      if (value.id) lastId = value.id;
      let verdict: Verdict;
      try {
        verdict = options.onMessage(value);
      } catch {
        continue; // an event that cannot be read is skipped; the stream goes on
      }
      if (verdict === "done") {
        stopped = true;
        return "done";
      }
      if (verdict) return verdict.reconnect;
    }
  }

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
    let why: string;
    options.onConnecting?.();
    try {
      const token = session.token();
      const headers: Record<string, string> = { Accept: "text/event-stream" };
      if (token) headers.Authorization = `Bearer ${token}`;
      if (lastId) headers["Last-Event-ID"] = lastId;
      const response = await fetch(options.path, { headers, signal: abort.signal, cache: "no-store" });
      if (response.status === 401) {
        end(options.signedOut);
        return;
      }
      const refusal = response.ok ? null : ((await response.json().catch(() => null)) as { error?: unknown } | null);
      const words = `${typeof refusal?.error === "string" ? refusal.error : response.statusText} (${response.status})`;
      if (response.status === 403 || response.status === 404) {
        stopped = true;
        options.onRefused(response.status, words);
        return;
      }
      if (!response.ok || !response.body) throw new Error(words);
      heard();
      why = await read(response.body, heard);
    } catch (err) {
      why = (err as Error).message || "the stream broke";
    } finally {
      window.clearTimeout(quiet);
      running = false;
    }
    if (stopped) return;
    const wait = why === "the stream ended" && Date.now() - opened > LONG_STREAM_MS ? 0 : delay;
    if (wait) options.onRetrying(why, wait);
    timer = window.setTimeout(() => void connect(), wait);
    delay = wait ? Math.min(MAX_DELAY_MS, delay * 2) : FIRST_DELAY_MS;
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
