// Analytics › Messages: a project's messages between two moments, filtered by user, channel, type
// and conversation, a page at a time through the service's cursor (GET /messages/page: any number
// of messages, 25 read per page); the filters, the page number and its cursor are the URL (reload
// and share open the same page); downloadable as the service's exports (GET /export/<table>: the
// messages as CSV or JSON, streamed by the service; the questions, users and analytics).
import { useEffect, useState } from "preact/hooks";
import { Problem, attempt } from "../ui/notice";
import { conversationSummary, exportFile, messagePage, type ConversationSummary, type ExportFormat, type ExportTable, type MessagePage, type MessageQuery } from "./api";
import { utc } from "./descriptors";
import { save } from "./download";
import { localInput, useQuery } from "../ui/query";

const PAGE = 25;
const TRAIL = "meridian.analytics.messages.cursors:";
const MAX_TRAIL = 400; // pages whose cursors a tab keeps per query (a cursor is ~100 bytes)
const DOWNLOADS: { id: string; table: ExportTable; format: ExportFormat; label: string }[] = [
  { id: "messages-csv", table: "messages", format: "csv", label: "Messages CSV" },
  { id: "messages-json", table: "messages", format: "json", label: "Messages JSON" },
  { id: "questions-csv", table: "questions", format: "csv", label: "Questions CSV" },
  { id: "users-csv", table: "users", format: "csv", label: "Users CSV" },
  { id: "analytics-csv", table: "analytics", format: "csv", label: "Analytics CSV (whole project)" },
];

function contentWords(m: MessagePage["messages"][number]): string {
  const c = m.content;
  if (!c) return "";
  if (typeof c.value === "string") return c.value;
  if (c.value !== undefined) return JSON.stringify(c.value);
  return `(${c.type})`;
}

function Summary(props: { id: string }) {
  const [summary, setSummary] = useState<ConversationSummary | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setSummary(null);
    let current = true;
    void attempt(() => conversationSummary(props.id).then((s) => current && setSummary(s)), setError);
    return () => void (current = false);
  }, [props.id]);
  const ms = (v: number | null | undefined) => (v == null ? "—" : `${Math.round(v)} ms`);
  const facts: [string, string | number][] = summary
    ? [
        ["messages", summary.messages],
        ["requests", summary.requests],
        ["responses", summary.responses],
        ["notifications", summary.notifications],
        ["answered", summary.answered],
        ["unanswered", summary.unanswered],
        ["response time min", ms(summary.responseTimeMs.min)],
        ["median", ms(summary.responseTimeMs.median)],
        ["avg", ms(summary.responseTimeMs.avg)],
        ["max", ms(summary.responseTimeMs.max)],
      ]
    : [];
  return (
    <section class="card" aria-labelledby="conversation-title" id="conversation-summary">
      <h3 id="conversation-title">Conversation {props.id}</h3>
      {error ? <p class="hint">{error instanceof Error ? error.message : String(error)}</p> : null}
      {facts.length > 0 && (
        <dl class="facts">
          {facts.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

function Downloads(props: { query: MessageQuery; disabled: boolean }) {
  const [busy, setBusy] = useState("");
  const [error, setError] = useState<unknown>(null);
  async function download(table: ExportTable, format: ExportFormat, id: string): Promise<void> {
    setBusy(id);
    setError(null);
    const file = await attempt(() => exportFile(table, props.query, format), setError);
    setBusy("");
    if (file) save(file.name, file.blob);
  }
  return (
    <div class="toolbar downloads" role="group" aria-label="downloads">
      {DOWNLOADS.map((d) => (
        <button type="button" key={d.id} id={d.id} disabled={props.disabled || !!busy} onClick={() => void download(d.table, d.format, d.id)}>
          {busy === d.id ? "Preparing…" : `Download ${d.label}`}
        </button>
      ))}
      <Problem error={error} id="download-error" />
    </div>
  );
}

/** The cursors of a query's pages met so far in this tab, by page index (0: the first, read
 * without one: null), kept in sessionStorage so a reload still steps back; a shared link knows
 * only its own page's. */
type Trail = Record<number, string | null>;

function trailOf(key: string): Trail {
  try {
    const kept = JSON.parse(sessionStorage.getItem(TRAIL + key) ?? "null") as unknown;
    if (kept && typeof kept === "object" && !Array.isArray(kept)) return kept as Trail;
  } catch {
    // an unreadable trail is a fresh one
  }
  return { 0: null };
}

function keepTrail(key: string, trail: Trail): void {
  try {
    sessionStorage.setItem(TRAIL + key, JSON.stringify(trail));
  } catch {
    // storage full or refused: paging still works, only Previous after a reload does not
  }
}

export function MessagesView() {
  const [query, go] = useQuery();
  const now = new Date();
  const asked = {
    project: query.get("project") ?? "",
    from: query.get("from") ?? localInput(new Date(now.getTime() - 7 * 86400_000)),
    to: query.get("to") ?? localInput(new Date(now.getTime() + 3600_000)),
    user: query.get("user") ?? "",
    channel: query.get("channel") ?? "",
    type: query.get("type") ?? "",
    conversation: query.get("conversation") ?? "",
  };
  // the page shown is in the URL too: its number and the service's cursor that reads it
  const cursor = query.get("cursor") || null;
  const at = cursor ? Math.max(1, (Number.parseInt(query.get("page") ?? "", 10) || 2) - 1) : 0;
  const [draft, setDraft] = useState(asked);
  const [page, setPage] = useState<MessagePage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState("");
  const key = `${asked.project}|${asked.from}|${asked.to}|${asked.user}|${asked.channel}|${asked.type}|${asked.conversation}`;
  const from = utc(asked.from);
  const to = utc(asked.to);
  const wanted: MessageQuery | null = asked.project && from && to ? { project: asked.project, from, to, user: asked.user, channel: asked.channel, type: asked.type, conversation: asked.conversation } : null;

  useEffect(() => setDraft(asked), [query.toString()]);
  useEffect(() => {
    setPage(null);
    setError(null);
    if (!asked.project) return;
    if (!wanted) return setProblem("from and to must be dates and times");
    setProblem("");
    let current = true; // a slower answer to an older query never overwrites a newer one
    void attempt(
      () =>
        messagePage(wanted, PAGE, cursor).then((p) => {
          if (!current) return;
          setPage(p);
          if (at < MAX_TRAIL) keepTrail(key, { ...trailOf(key), [at]: cursor, [at + 1]: p.next });
        }),
      setError,
    );
    return () => void (current = false);
  }, [key, at, cursor]);

  /** Shows page index `n` (0: the first), read with `via` (the `next` of the page before it). */
  function turn(n: number, via: string | null | undefined): void {
    go("/messages", n > 0 && via ? { ...asked, page: n + 1, cursor: via } : asked);
  }
  // the cursor of the page before (null: the first; undefined: not known in this tab)
  const previous = at === 0 ? undefined : at === 1 ? null : trailOf(key)[at - 1];

  function submit(ev: Event): void {
    ev.preventDefault();
    go("/messages", draft);
  }
  const field = (name: keyof typeof asked, label: string, extra: Record<string, unknown> = {}) => (
    <label>
      {label}
      <input
        name={name}
        value={String(draft[name])}
        onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })}
        {...extra}
      />
    </label>
  );
  const pages = page ? Math.max(1, Math.ceil(page.total / PAGE)) : 1;
  const hasNext = !!page?.next;

  return (
    <div class="view">
      <header class="view-head">
        <h2>Messages</h2>
        <span class="hint">by project, time (UTC), user, channel, type and conversation</span>
      </header>
      <form class="card filters-form" id="messages-form" onSubmit={submit} aria-label="message filters">
        {field("project", "Project", { required: true, id: "messages-project" })}
        {field("from", "From (UTC)", { type: "datetime-local", required: true })}
        {field("to", "To (UTC)", { type: "datetime-local", required: true })}
        {field("user", "User id")}
        {field("conversation", "Conversation id")}
        {field("channel", "Channel")}
        <label>
          Type
          <select name="type" value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.currentTarget.value })}>
            <option value="">any</option>
            <option value="request">request</option>
            <option value="response">response</option>
            <option value="notification">notification</option>
          </select>
        </label>
        <button type="submit" id="messages-search">
          Show messages
        </button>
      </form>
      {problem && <p class="notice error">{problem}</p>}
      <Problem error={error} id="messages-error" />
      {asked.conversation && <Summary id={asked.conversation} />}
      {page && wanted && (
        <section class="card" aria-labelledby="messages-found">
          <div class="toolbar">
            <h3 id="messages-found">
              <span id="messages-count">{page.total}</span>
              {page.totalIsLowerBound ? "+" : ""} messages
            </h3>
          </div>
          <Downloads query={wanted} disabled={!page.total} />
          <div class="table-scroll">
            <table class="messages" aria-label="messages">
              <thead>
                <tr>
                  <th scope="col">Time (UTC)</th>
                  <th scope="col">Type</th>
                  <th scope="col">User</th>
                  <th scope="col">Conversation</th>
                  <th scope="col">Channel</th>
                  <th scope="col">Content</th>
                  <th scope="col">Intent</th>
                </tr>
              </thead>
              <tbody>
                {page.messages.map((m) => (
                  <tr key={m.traceId} data-message={m.messageId}>
                    <td class="nowrap">{m.timestamp.replace("T", " ").replace(/(\.\d+)?(Z|\+00:00)$/, "")}</td>
                    <td>{m.type}</td>
                    <td>
                      <button type="button" class="link" onClick={() => go("/messages", { ...asked, user: m.userId })} aria-label={`only messages of user ${m.userId}`}>
                        {m.userId}
                      </button>
                    </td>
                    <td>
                      {m.conversationId ? (
                        <button type="button" class="link" onClick={() => go("/messages", { ...asked, conversation: m.conversationId ?? "" })} aria-label={`only conversation ${m.conversationId}`}>
                          {m.conversationId}
                        </button>
                      ) : (
                        <span class="hint">—</span>
                      )}
                    </td>
                    <td>{m.channel}</td>
                    <td class="content">{contentWords(m)}</td>
                    <td>{m.intent?.name ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {!page.messages.length && <p class="hint">No message matches.</p>}
          {(at > 0 || hasNext) && (
            <nav class="pager" aria-label="messages pages">
              {at > 1 && (
                <button type="button" onClick={() => turn(0, null)} aria-label="first page of messages">
                  « First
                </button>
              )}
              <button type="button" onClick={() => turn(at - 1, previous)} disabled={previous === undefined} aria-label="previous page of messages">
                ‹ Previous
              </button>
              <span aria-live="polite">
                page {at + 1} of {pages}
                {page.totalIsLowerBound ? "+" : ""}
              </span>
              <button type="button" onClick={() => turn(at + 1, page.next)} disabled={!hasNext} aria-label="next page of messages">
                Next ›
              </button>
            </nav>
          )}
        </section>
      )}
      {!asked.project && <p class="hint">Name a project to list its messages.</p>}
    </div>
  );
}
