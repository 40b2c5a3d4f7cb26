// Configuration › Operators: who may sign in and what they may do; create one, change permissions.
import { useEffect, useState } from "preact/hooks";
import type { Operator } from "../session";
import { Pager, usePage } from "../ui/pager";
import { Problem, attempt } from "../ui/notice";
import { PERMISSIONS, changePermissions, createUser, listUsers } from "./api";

const PAGE = 20;
type Grants = Record<string, string[]>;
const empty = (): Grants => Object.fromEntries(Object.keys(PERMISSIONS).map((g) => [g, []]));
const summary = (p: Grants) =>
  Object.entries(p)
    .filter(([, actions]) => actions.length)
    .map(([group, actions]) => `${group}: ${actions.join(", ")}`)
    .join(" · ") || "none";

function PermissionBoxes(props: { value: Grants; onChange: (v: Grants) => void; prefix: string }) {
  const { value, onChange, prefix } = props;
  return (
    <div class="permissions">
      {Object.entries(PERMISSIONS).map(([group, actions]) => (
        <fieldset key={group}>
          <legend>{group}</legend>
          {actions.map((action) => {
            const id = `${prefix}-${group}-${action}`;
            const on = value[group]?.includes(action) ?? false;
            return (
              <label key={action} for={id}>
                <input
                  id={id}
                  type="checkbox"
                  name={`${group}:${action}`}
                  checked={on}
                  onChange={() =>
                    onChange({ ...value, [group]: on ? value[group].filter((a) => a !== action) : [...(value[group] ?? []), action] })
                  }
                />
                {action}
              </label>
            );
          })}
        </fieldset>
      ))}
    </div>
  );
}

function OperatorRow(props: { user: Operator; reload: () => Promise<unknown> }) {
  const { user, reload } = props;
  const [editing, setEditing] = useState<Grants | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function save(): Promise<void> {
    if (!editing) return;
    const done = await attempt(() => changePermissions(user.username, editing), setError);
    if (done) {
      setEditing(null);
      await reload();
    }
  }
  return (
    <li class="card operator" data-operator={user.username}>
      <div class="operator-head">
        <strong>{user.username}</strong>
        <span class="hint">{summary(user.permissions)}</span>
        {!editing && (
          <button type="button" onClick={() => setEditing({ ...empty(), ...user.permissions })} aria-label={`Change permissions of ${user.username}`}>
            Change permissions
          </button>
        )}
      </div>
      {editing && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <PermissionBoxes value={editing} onChange={setEditing} prefix={`edit-${user.username}`} />
          <button type="submit">Save permissions</button>
          <button type="button" onClick={() => setEditing(null)}>
            Cancel
          </button>
        </form>
      )}
      <Problem error={error} />
    </li>
  );
}

export function OperatorsView() {
  const [users, setUsers] = useState<Operator[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [createError, setCreateError] = useState<unknown>(null);
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [grants, setGrants] = useState<Grants>({ ...empty(), settings: ["read"] });
  const [created, setCreated] = useState("");
  const load = () => attempt(() => listUsers().then((u) => setUsers(u.users)), setError);
  useEffect(() => void load(), []);
  const { rows, page, pages, setPage } = usePage(users, PAGE);

  async function create(): Promise<void> {
    setCreated("");
    const done = await attempt(() => createUser(name.trim(), password, grants), setCreateError);
    if (!done) return;
    setCreated(`Operator ${done.user.username} created.`);
    setName("");
    setPassword("");
    await load();
  }

  return (
    <div class="view">
      <header class="view-head">
        <h2>Operators</h2>
        <span class="hint">{users.length} operators</span>
      </header>
      <Problem error={error} />
      <ul class="operators">
        {rows.map((u) => (
          <OperatorRow key={u.username} user={u} reload={load} />
        ))}
      </ul>
      <Pager page={page} pages={pages} setPage={setPage} label="operators" />
      <form
        class="card create-operator"
        aria-labelledby="create-operator-title"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <h3 id="create-operator-title">New operator</h3>
        <label>
          Name <input name="username" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} required autocomplete="off" />
        </label>
        <label>
          Password (8 characters or more){" "}
          <input type="password" name="password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} required minLength={8} autocomplete="new-password" />
        </label>
        <PermissionBoxes value={grants} onChange={setGrants} prefix="new" />
        <button type="submit" id="create-operator">
          Create operator
        </button>
        <Problem error={createError} id="create-operator-error" />
        {created && (
          <p class="notice ok" role="status">
            {created}
          </p>
        )}
      </form>
    </div>
  );
}
