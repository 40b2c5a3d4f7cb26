// Analytics › Messages: a project's messages between two moments, filtered by user, channel, type
// and conversation (every filter in the URL), a page at a time through the service's cursor
// (GET /messages/page: any number of messages, 25 read per page), downloadable as the service's
// exports (GET /export/<table>: the messages as CSV or JSON, the questions, users and analytics).
import { useEffect, useState } from "preact/hooks";
import { Problem, attempt } from "../ui/notice";
import { conversationSummary, exportFile, messagePage, type ConversationSummary, type ExportFormat, type ExportTable, type MessagePage, type MessageQuery } from "./api";
import { utc } from "./descriptors";
import { save } from "./download";
import { localInput, useQuery } from "../ui/query";

const PAGE = 25;
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
  const [draft, setDraft] = useState(asked);
  // cursors[i] reads page i (null: the first); the service's `next` of page i is cursors[i + 1]
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [at, setAt] = useState(0);
  const [page, setPage] = useState<MessagePage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState("");
  const key = `${asked.project}|${asked.from}|${asked.to}|${asked.user}|${asked.channel}|${asked.type}|${asked.conversation}`;
  const from = utc(asked.from);
  const to = utc(asked.to);
  const wanted: MessageQuery | null = asked.project && from && to ? { project: asked.project, from, to, user: asked.user, channel: asked.channel, type: asked.type, conversation: asked.conversation } : null;

  useEffect(() => setDraft(asked), [query.toString()]);
  useEffect(() => {
    setCursors([null]);
    setAt(0);
  }, [key]);
  useEffect(() => {
    setPage(null);
    setError(null);
    if (!asked.project) return;
    if (!wanted) return setProblem("from and to must be dates and times");
    setProblem("");
    let current = true; // a slower answer to an older query never overwrites a newer one
    void attempt(
      () =>
        messagePage(wanted, PAGE, cursors[at] ?? null).then((p) => {
          if (!current) return;
          setPage(p);
          setCursors((known) => [...known.slice(0, at + 1), p.next]);
        }),
      setError,
    );
    return () => void (current = false);
  }, [key, at, cursors[at]]);

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
              <button type="button" onClick={() => setAt(at - 1)} disabled={at === 0} aria-label="previous page of messages">
                ‹ Previous
              </button>
              <span aria-live="polite">
                page {at + 1} of {pages}
                {page.totalIsLowerBound ? "+" : ""}
              </span>
              <button type="button" onClick={() => setAt(at + 1)} disabled={!hasNext} aria-label="next page of messages">
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
