// An import's progress, live over kmdb-import's Server-Sent Events (GET /kmdb/imports/{id}/stream),
// followed by ui/follow.ts. Each `progress` event is the whole import (as GET /imports/{id}); its id
// goes back as Last-Event-ID on a reconnect, so an unchanged import is not sent again; an `error`
// event (the service could not read the progress) reconnects; `done` stops. The service ends a stream
// after a few minutes: it is reopened at once.
import { follow } from "../ui/follow";
import type { Import } from "./api";
import type { PollState } from "./poll";

export interface ImportStreamOptions {
  id: string;
  onProgress: (progress: Import) => void;
  onState: (state: PollState) => void;
  onDone?: () => void;
}

/** Follows an import's progress until it is done or the returned function is called. */
export function followImport(options: ImportStreamOptions): () => void {
  const { id, onProgress, onState } = options;
  return follow({
    path: `/kmdb/imports/${encodeURIComponent(id)}/stream`,
    signedOut: "Signed out: the progress stream refused the session",
    onMessage: (message) => {
      if (message.event === "progress") onProgress(JSON.parse(message.data) as Import);
      else if (message.event === "done") {
        options.onDone?.();
        return "done";
      } else if (message.event === "error") {
        const said = (JSON.parse(message.data) as { error?: string }).error;
        return { reconnect: said ?? "the service could not read the progress" };
      }
    },
    onLive: () => onState({ kind: "live" }),
    onRetrying: (why, waitMs) => onState({ kind: "retrying", why, inSeconds: Math.round(waitMs / 1000) }),
    onRefused: (status, words) => onState({ kind: "refused", why: status === 403 ? `Refused (403 Forbidden): ${words}` : words }),
  });
}
