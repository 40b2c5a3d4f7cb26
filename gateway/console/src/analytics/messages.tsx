// Analytics › Messages: a project's messages between two moments, filtered by user, channel, type
// and conversation, a page at a time, downloadable as CSV or JSON. Every filter is in the URL.
import { useEffect, useMemo, useState } from "preact/hooks";
import { Problem, attempt } from "../ui/notice";
import { Pager, usePage } from "../ui/pager";
import { MAX_MESSAGES, conversationSummary, listMessages, type ConversationSummary, type Message } from "./api";
import { utc } from "./descriptors";
import { csv, safeName, save } from "./download";
import { localInput, useQuery } from "../ui/query";

const PAGE = 25;
const SIZES = [100, 1000, MAX_MESSAGES];
const COLUMNS = ["timestamp", "type", "userId", "conversationId", "channel", "messageId", "content", "intent", "domain"];

function contentWords(m: Message): string {
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
    size: Number(query.get("size") ?? 1000),
  };
  const [draft, setDraft] = useState(asked);
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState("");
  const key = `${asked.project}|${asked.from}|${asked.to}|${asked.user}|${asked.channel}|${asked.type}|${asked.size}`;

  useEffect(() => setDraft(asked), [query.toString()]);
  useEffect(() => {
    setMessages(null);
    if (!asked.project) return;
    const from = utc(asked.from);
    const to = utc(asked.to);
    if (!from || !to) return setProblem("from and to must be dates and times");
    setProblem("");
    let current = true; // a slower answer to an older query never overwrites a newer one
    const maxSize = SIZES.includes(asked.size) ? asked.size : 1000;
    void attempt(
      () => listMessages({ project: asked.project, from, to, user: asked.user, channel: asked.channel, type: asked.type, maxSize }).then((m) => current && setMessages(m)),
      setError,
    );
    return () => void (current = false);
  }, [key]);

  const shown = useMemo(
    () => (messages ?? []).filter((m) => !asked.conversation || m.conversationId === asked.conversation),
    [messages, asked.conversation],
  );
  const { rows, page, pages, setPage } = usePage(shown, PAGE);
  const params = (d: typeof asked) => ({ ...d, size: d.size === 1000 ? undefined : d.size });

  function submit(ev: Event): void {
    ev.preventDefault();
    go("/messages", params(draft));
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
  const exportName = safeName(`messages-${asked.project}-${asked.from}-${asked.to}${asked.conversation ? `-${asked.conversation}` : ""}`);

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
        <label>
          At most
          <select name="size" value={String(draft.size)} onChange={(e) => setDraft({ ...draft, size: Number(e.currentTarget.value) })}>
            {SIZES.map((s) => (
              <option key={s} value={String(s)}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" id="messages-search">
          Show messages
        </button>
      </form>
      {problem && <p class="notice error">{problem}</p>}
      <Problem error={error} id="messages-error" />
      {asked.conversation && <Summary id={asked.conversation} />}
      {messages && (
        <section class="card" aria-labelledby="messages-found">
          <div class="toolbar">
            <h3 id="messages-found">
              <span id="messages-count">{shown.length}</span> messages
            </h3>
            {messages.length >= asked.size && (
              <span class="notice warning">the service answered its limit ({asked.size}): narrow the time window to see the rest</span>
            )}
            <button type="button" id="messages-csv" disabled={!shown.length} onClick={() => save(`${exportName}.csv`, csv(COLUMNS, shown.map((m) => ({ ...m, content: contentWords(m), intent: m.intent?.name ?? "" }))), "text/csv")}>
              Download CSV
            </button>
            <button type="button" id="messages-json" disabled={!shown.length} onClick={() => save(`${exportName}.json`, JSON.stringify(shown, null, 1), "application/json")}>
              Download JSON
            </button>
          </div>
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
                {rows.map((m) => (
                  <tr key={`${m.messageId}-${m.userId}-${m.timestamp}`} data-message={m.messageId}>
                    <td class="nowrap">{m.timestamp.replace("T", " ").replace(/(\.\d+)?(Z|\+00:00)$/, "")}</td>
                    <td>{m.type}</td>
                    <td>
                      <button type="button" class="link" onClick={() => go("/messages", params({ ...asked, user: m.userId }))} aria-label={`only messages of user ${m.userId}`}>
                        {m.userId}
                      </button>
                    </td>
                    <td>
                      {m.conversationId ? (
                        <button type="button" class="link" onClick={() => go("/messages", params({ ...asked, conversation: m.conversationId ?? "" }))} aria-label={`only conversation ${m.conversationId}`}>
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
          {!shown.length && <p class="hint">No message matches.</p>}
          <Pager page={page} pages={pages} setPage={setPage} label="messages" />
        </section>
      )}
      {!asked.project && <p class="hint">Name a project to list its messages.</p>}
    </div>
  );
}
