// Imports › filters: the three tables every import job reads at its start (ignored users,
// whitelisted events, blacklisted properties), edited in place: add, rename, remove; a page at a
// time in name order (by key: `after` the page's last name, in the URL).
import { useEffect, useState } from "preact/hooks";
import { Problem, attempt } from "../ui/notice";
import { useQuery, ViewLink } from "../ui/query";
import { FILTER_KINDS, addFilter, listFilter, removeFilter, type FilterEntry, type FilterKind } from "./api";

const PAGE = 50;

function EntryRow(props: { kind: FilterKind; entry: FilterEntry; changed: () => void }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(props.entry.name);
  const [error, setError] = useState<unknown>(null);
  const old = props.entry.name;
  async function rename(ev: Event): Promise<void> {
    ev.preventDefault();
    const next = name.trim();
    if (!next || next === old) return setEditing(false);
    // the table's key is the name: the new one is added first, so a refusal loses nothing
    const done = await attempt(async () => {
      await addFilter(props.kind, next);
      await removeFilter(props.kind, old);
      return true;
    }, setError);
    if (done) {
      setEditing(false);
      props.changed();
    }
  }
  async function remove(): Promise<void> {
    if (await attempt(() => removeFilter(props.kind, old).then(() => true), setError)) props.changed();
  }
  return (
    <tr data-filter={old}>
      <td>
        {editing ? (
          <form class="inline-edit" onSubmit={(e) => void rename(e)} aria-label={`rename ${old}`}>
            <input value={name} onInput={(e) => setName(e.currentTarget.value)} aria-label={`new name for ${old}`} maxLength={255} />
            <button type="submit">Save</button>
            <button type="button" onClick={() => (setEditing(false), setName(old))}>
              Cancel
            </button>
          </form>
        ) : (
          <span class="filter-name">{old}</span>
        )}
        <Problem error={error} />
      </td>
      <td class="hint">{props.entry.created_at.replace("T", " ").slice(0, 19)}</td>
      <td class="actions">
        {!editing && (
          <>
            <button type="button" onClick={() => setEditing(true)} aria-label={`rename ${old}`}>
              Rename
            </button>
            <button type="button" class="danger" onClick={() => void remove()} aria-label={`remove ${old}`}>
              Remove
            </button>
          </>
        )}
      </td>
    </tr>
  );
}

export function FiltersView(props: { kind: string }) {
  const kind = (FILTER_KINDS.find((k) => k.kind === props.kind) ?? FILTER_KINDS[0]).kind;
  const about = FILTER_KINDS.find((k) => k.kind === kind)!;
  const [query, go] = useQuery();
  const after = query.get("after") ?? undefined;
  const [entries, setEntries] = useState<FilterEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [addError, setAddError] = useState<unknown>(null);
  const [name, setName] = useState("");
  const [version, setVersion] = useState(0);
  const [trail, setTrail] = useState<(string | undefined)[]>([]);
  useEffect(() => {
    let current = true; // a slower answer to an older request never overwrites a newer one
    void attempt(() => listFilter(kind, PAGE + 1, after).then((e) => current && setEntries(e)), setError);
    return () => void (current = false);
  }, [kind, after, version]);
  const rows = (entries ?? []).slice(0, PAGE);
  const more = (entries ?? []).length > PAGE;

  async function add(ev: Event): Promise<void> {
    ev.preventDefault();
    const wanted = name.trim();
    if (!wanted) return setAddError(new Error("a name to add"));
    if (await attempt(() => addFilter(kind, wanted), setAddError)) {
      setName("");
      setVersion(version + 1);
    }
  }
  return (
    <div class="view">
      <nav class="tabs sub" aria-label="filter tables">
        {FILTER_KINDS.map((k) => (
          <ViewLink key={k.kind} to={`/filters/${k.kind}`} class={k.kind === kind ? "active" : ""} aria-current={k.kind === kind ? "page" : undefined}>
            {k.label}
          </ViewLink>
        ))}
      </nav>
      <p class="hint">{about.help}; read by each job when it starts.</p>
      <form class="card toolbar" id="filter-add" onSubmit={(e) => void add(e)} aria-label={`add to ${about.label}`}>
        <label>
          Name <input name="name" id="filter-name" value={name} maxLength={255} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <button type="submit" id="filter-add-button">
          Add
        </button>
        <Problem error={addError} id="filter-add-error" />
      </form>
      <Problem error={error} />
      {entries && (
        <section class="card" aria-label={about.label}>
          <div class="table-scroll">
            <table class="filter-table" aria-label={about.label}>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Added (UTC)</th>
                  <th scope="col">
                    <span class="sr-only">actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((e) => (
                  <EntryRow key={e.name} kind={kind} entry={e} changed={() => setVersion(version + 1)} />
                ))}
              </tbody>
            </table>
          </div>
          {!rows.length && <p class="hint">Empty{after ? " past this point" : ""}.</p>}
          {(after || more) && (
            <nav class="pager" aria-label={`${about.label} pages`}>
              <button type="button" disabled={!after} onClick={() => (go(`/filters/${kind}`, { after: trail[trail.length - 1] }), setTrail(trail.slice(0, -1)))} aria-label={`previous page of ${about.label}`}>
                ‹ Previous
              </button>
              <button type="button" disabled={!more} onClick={() => (setTrail([...trail, after]), go(`/filters/${kind}`, { after: rows[rows.length - 1].name }))} aria-label={`next page of ${about.label}`}>
                Next ›
              </button>
            </nav>
          )}
        </section>
      )}
    </div>
  );
}
