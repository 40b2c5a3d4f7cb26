// Configuration › Variables: platform variables in their groups with descriptions, edited in place;
// the leader validates (every role rendered) and its errors are shown beside the fields they name.
import { useEffect, useMemo, useState } from "preact/hooks";
import { ApiError } from "../http";
import { Pager, usePage } from "../ui/pager";
import { Problem, attempt } from "../ui/notice";
import { getSettings, groupsOf, putSettings, shown, type Group, type SettingsAnswer, type Value } from "./api";

const PAGE = 20;

/** The typed value of an edited field: a string stays a string; other types are read as JSON. */
function parseEdit(original: Value, text: string): { value?: Value; error?: string } {
  if (typeof original === "string" || original === undefined) return { value: text };
  try {
    return { value: JSON.parse(text) as Value };
  } catch {
    return { error: `not valid JSON (this variable holds a ${original === null ? "null" : typeof original})` };
  }
}

/** Which field each of the leader's errors names; one naming none goes to the only variable sent
 * (a template that no longer renders with it: the leader names the file, not the variable); the rest
 * are general. */
export function fieldErrors(error: unknown, names: string[], sent: string[]): { fields: Record<string, string>; general: string[] } {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  if (!(error instanceof ApiError) || error.status !== 400) return { fields, general };
  const detail = error.detail as unknown;
  const messages: string[] = [];
  if (Array.isArray(detail)) {
    for (const item of detail) {
      if (item && typeof item === "object" && "field" in item) {
        const { field, message } = item as { field: string; message: string };
        fields[field.split(/[.[]/)[0]] = message;
      } else messages.push(String(item));
    }
  } else if (detail && typeof detail === "object" && Array.isArray((detail as { names?: string[] }).names)) {
    for (const name of (detail as { names: string[] }).names) fields[name] = "not a variable name: letters, digits and _, not starting with a digit";
  } else if (detail && typeof detail === "object" && Array.isArray((detail as { errors?: string[] }).errors)) {
    messages.push(...(detail as { errors: string[] }).errors);
  }
  if (!messages.length && !Object.keys(fields).length) messages.push(error.message);
  for (const message of messages) {
    const named = names.find((n) => new RegExp(`(^|[^A-Za-z0-9_])${n}([^A-Za-z0-9_]|$)`).test(message));
    const owner = named ?? (sent.length === 1 ? sent[0] : undefined);
    if (owner) fields[owner] = fields[owner] ? `${fields[owner]}; ${message}` : message;
    else general.push(message);
  }
  return { fields, general };
}

function GroupTable(props: {
  group: Group;
  edits: Record<string, string>;
  errors: Record<string, string>;
  edit: (name: string, text: string) => void;
}) {
  const { group, edits, errors, edit } = props;
  const { rows, page, pages, setPage } = usePage(group.variables, PAGE);
  return (
    <section class="card" aria-labelledby={`group-${group.id}`}>
      <h3 id={`group-${group.id}`}>{group.name}</h3>
      <table class="vars">
        <thead>
          <tr>
            <th scope="col">Variable</th>
            <th scope="col">Value</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((v) => {
            const id = `var-${v.name}`;
            const changed = v.name in edits;
            return (
              <tr key={v.name} data-variable={v.name} class={changed ? "changed" : ""}>
                <th scope="row">
                  <label for={id}>{v.name}</label>
                </th>
                <td>
                  <input
                    id={id}
                    name={v.name}
                    value={changed ? edits[v.name] : shown(v.value)}
                    onInput={(e) => edit(v.name, (e.target as HTMLInputElement).value)}
                    aria-invalid={errors[v.name] ? "true" : undefined}
                    aria-describedby={errors[v.name] ? `${id}-error` : undefined}
                  />
                  {errors[v.name] && (
                    <p id={`${id}-error`} class="field-error" role="alert">
                      {errors[v.name]}
                    </p>
                  )}
                </td>
                <td class="hint">{v.description ?? ""}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <Pager page={page} pages={pages} setPage={setPage} label={group.name} />
    </section>
  );
}

export function SettingsView() {
  const [answer, setAnswer] = useState<SettingsAnswer | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [filter, setFilter] = useState("");
  const [saved, setSaved] = useState("");
  const [newName, setNewName] = useState("");
  const [newValue, setNewValue] = useState("");
  const [sent, setSent] = useState<string[]>([]);

  const load = () => attempt(() => getSettings().then(setAnswer), setLoadError);
  useEffect(() => void load(), []);

  const groups = useMemo(() => (answer ? groupsOf(answer) : []), [answer]);
  const originals = useMemo(() => Object.fromEntries(groups.flatMap((g) => g.variables.map((v) => [v.name, v.value]))), [groups]);
  const shownGroups = groups
    .map((g) => ({ ...g, variables: g.variables.filter((v) => v.name.toLowerCase().includes(filter.toLowerCase())) }))
    .filter((g) => g.variables.length);
  const names = [...Object.keys(originals), ...Object.keys(edits)];
  const leaderErrors = fieldErrors(saveError, names, sent);
  const errors = { ...leaderErrors.fields, ...localErrors };

  async function save(values: Record<string, string>): Promise<void> {
    setSaved("");
    const body: Record<string, Value> = {};
    const problems: Record<string, string> = {};
    for (const [name, text] of Object.entries(values)) {
      const parsed = parseEdit(originals[name], text);
      if (parsed.error) problems[name] = parsed.error;
      else body[name] = parsed.value;
    }
    setLocalErrors(problems);
    if (Object.keys(problems).length || !Object.keys(body).length) return;
    setSent(Object.keys(body));
    const done = await attempt(() => putSettings(body), setSaveError);
    if (!done) return;
    const changed = Object.keys(done.changes ?? {});
    setSaved(changed.length ? `Saved as revision ${done.revision}: ${changed.join(", ")} changed. Notify the followers to apply it.` : "Nothing changed.");
    setEdits({});
    setNewName("");
    setNewValue("");
    await load();
  }

  return (
    <div class="view">
      <header class="view-head">
        <h2>Variables</h2>
        {answer && <span class="hint">revision {answer.revision}</span>}
      </header>
      <Problem error={loadError} />
      {answer?.validation?.warnings.map((w) => (
        <p class="notice warning" key={w}>
          {w}
        </p>
      ))}
      {answer && (
        <form
          class="settings-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save(edits);
          }}
        >
          <div class="toolbar">
            <label>
              Filter <input type="search" name="filter" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
            </label>
            <button type="submit" id="save-settings" disabled={!Object.keys(edits).length}>
              Save {Object.keys(edits).length || ""} change{Object.keys(edits).length === 1 ? "" : "s"}
            </button>
            <button type="button" onClick={() => { setEdits({}); setLocalErrors({}); setSaveError(null); }} disabled={!Object.keys(edits).length}>
              Discard
            </button>
          </div>
          <Problem error={saveError && !leaderErrors.general.length && Object.keys(leaderErrors.fields).length ? null : saveError} id="settings-error" />
          {saved && (
            <p class="notice ok" role="status" id="settings-saved">
              {saved}
            </p>
          )}
          {shownGroups.map((g) => (
            <GroupTable key={g.id} group={g} edits={edits} errors={errors} edit={(n, t) => setEdits({ ...edits, [n]: t })} />
          ))}
        </form>
      )}
      {answer && (
        <form
          class="card add-variable"
          aria-labelledby="add-variable-title"
          onSubmit={(e) => {
            e.preventDefault();
            if (newName.trim()) void save({ [newName.trim()]: newValue });
          }}
        >
          <h3 id="add-variable-title">Add a variable</h3>
          <label>
            Name <input name="new-name" value={newName} onInput={(e) => setNewName((e.target as HTMLInputElement).value)} required />
          </label>
          <label>
            Value (text) <input name="new-value" value={newValue} onInput={(e) => setNewValue((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit" id="add-variable">
            Add
          </button>
          {errors[newName.trim()] && !(newName.trim() in originals) && (
            <p class="field-error" role="alert">
              {errors[newName.trim()]}
            </p>
          )}
        </form>
      )}
    </div>
  );
}
