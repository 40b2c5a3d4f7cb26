// config-leader's API through the gateway (/config/...): sign-in, settings, history, notify,
// followers, operators. Shapes as services/config-leader/README.md gives them.
import { json, request } from "../http";
import type { Operator, Session } from "../session";

const LEADER = "/config";
const enc = encodeURIComponent;

export type Value = unknown;

export interface Variable {
  name: string;
  value: Value;
  description?: string;
}

export interface Group {
  id: string;
  name: string;
  variables: Variable[];
}

export interface SettingsAnswer {
  revision: number;
  form: "flat" | "grouped";
  settings: Record<string, unknown>;
  validation?: { errors: string[]; warnings: string[] };
}

export interface Change {
  from?: Value;
  to?: Value;
}

export interface Revision {
  revision: number;
  at: string;
  action: string;
  changes: Record<string, Change>;
  rollbackOf?: number;
}

export interface FollowerStatus {
  url: string;
  role: string;
  reachable: boolean;
  error?: string;
  revision?: number;
  lastFetch?: { at: string | null; ok: boolean | null; error: string | null };
  lastApply?: { at: string | null; written: string[]; removed: string[] };
  syncedSinceStart?: boolean;
  files?: number;
}

export interface NotifyReport {
  url: string;
  role: string;
  error?: string;
  status?: number;
  files?: string[];
  unchanged?: number;
  removed?: string[];
  hooks?: { cmd: string[]; rc: number; files?: string[]; output?: string }[];
  revision?: number;
}

/** The leader's permission groups and actions (config-leader's operators/permissions.py): the
 * last four are the services' (ingest, analytics, kmdb-import, metrics-api) for an operator's
 * writes; reading there needs none. */
export const PERMISSIONS: Record<string, string[]> = {
  settings: ["read", "update", "notify"],
  users: ["read", "create", "delete", "resetPassword", "changePermissions"],
  platformUsers: ["read", "modify", "delete"],
  fleet: ["update", "act"],
  analytics: ["update"],
  imports: ["update"],
  metrics: ["update"],
};

export const signIn = (username: string, password: string) =>
  request<Session>(`${LEADER}/auth/login`, json("POST", { username, password }));
export const signOut = () => request<unknown>(`${LEADER}/auth/logout`, json("POST"));

/** The variables in groups: platform.yml's groups, or one group when the file is flat. */
export function groupsOf(answer: SettingsAnswer): Group[] {
  if (answer.form === "flat") {
    const variables = Object.entries(answer.settings).map(([name, value]) => ({ name, value }));
    return [{ id: "vars", name: "Variables", variables }];
  }
  const groups: Group[] = [];
  const loose: Variable[] = [];
  for (const [id, entry] of Object.entries(answer.settings)) {
    const group = entry as { name?: string; settings?: Record<string, { value: Value; description?: string }> };
    if (group && typeof group === "object" && group.settings && typeof group.settings === "object") {
      const variables = Object.entries(group.settings).map(([name, v]) => ({
        name,
        value: v?.value,
        description: v?.description,
      }));
      groups.push({ id, name: group.name ?? id, variables });
    } else loose.push({ name: id, value: entry });
  }
  if (loose.length) groups.unshift({ id: "vars", name: "Ungrouped", variables: loose });
  return groups;
}

export const getSettings = () => request<SettingsAnswer>(`${LEADER}/admin/settings`);
export const putSettings = (values: Record<string, Value>) =>
  request<SettingsAnswer & { changes: Record<string, Change> }>(`${LEADER}/admin/settings`, json("PUT", values));
export const getHistory = (after: number, limit: number) =>
  request<{ revisions: Revision[] }>(`${LEADER}/admin/settings/history?after=${after}&limit=${limit}`);
export const rollback = (rev: number) =>
  request<SettingsAnswer>(`${LEADER}/admin/settings/rollback/${rev}`, json("POST"));
export const notify = () =>
  request<{ successes: NotifyReport[]; failures: NotifyReport[] }>(`${LEADER}/admin/notify`, json("POST"));
export const getFollowers = () => request<{ followers: FollowerStatus[] }>(`${LEADER}/admin/followers`);

export const listUsers = () => request<{ users: Operator[] }>(`${LEADER}/users`);
export const createUser = (username: string, password: string, permissions: Record<string, string[]>) =>
  request<{ user: Operator }>(`${LEADER}/users`, json("POST", { username, password, permissions }));
export const changePermissions = (username: string, permissions: Record<string, string[]>) =>
  request<{ user: Operator }>(`${LEADER}/users/${enc(username)}/permissions`, json("PUT", { permissions }));

/** A value as text: strings as they are, anything else as JSON. */
export const shown = (value: Value): string =>
  value === undefined ? "—" : typeof value === "string" ? value : JSON.stringify(value);
