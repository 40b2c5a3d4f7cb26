// A bucket's live stream (ingest's Server-Sent Events at /ingest/api/buckets/{id}/live), followed by
// ui/follow.ts: reconnecting by itself, a 401 ends the session, a 403/404 stops it, said in `state`.
import { follow } from "../ui/follow";
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

/** Follows the bucket's live stream until the returned function is called. */
export function followLive(options: LiveOptions): () => void {
  const { bucket, types, onEvent } = options;
  const onState = options.onState ?? (() => undefined);
  return follow({
    path: `${INGEST}/api/buckets/${encodeURIComponent(bucket)}/live?types=${types.join(",")}`,
    signedOut: "Signed out: the live stream refused the session",
    onMessage: (message) => onEvent(JSON.parse(message.data) as LiveEvent),
    onConnecting: () => onState("connecting", ""),
    onLive: () => onState("live", ""),
    onRetrying: (why) => onState("retrying", why),
    onRefused: (_status, words) => onState("refused", words),
  });
}
