// The signed-in operator: the leader's token kept in sessionStorage (this tab only, gone when it
// closes), its expiry, and who is listening. Expiry or a 401 anywhere signs out with a message.
export interface Operator {
  username: string;
  permissions: Record<string, string[]>;
}

export interface Session {
  token: string;
  expiresAt: string;
  user: Operator;
}

const KEY = "meridian.console.session";
type Listener = (session: Session | null, message: string) => void;
const listeners = new Set<Listener>();
let expiryTimer: number | undefined;

function read(): Session | null {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) ?? "null") as Session | null;
    return saved && saved.token && Date.parse(saved.expiresAt) > Date.now() ? saved : null;
  } catch {
    return null;
  }
}

let current: Session | null = read();

function armExpiry(): void {
  window.clearTimeout(expiryTimer);
  if (!current) return;
  // setTimeout's limit is ~24.8 days; tokens live at most 7 days
  const left = Math.max(0, Date.parse(current.expiresAt) - Date.now());
  expiryTimer = window.setTimeout(() => end("Your session expired: sign in again."), left);
}

function announce(message: string): void {
  for (const listener of listeners) listener(current, message);
}

export const session = {
  get: (): Session | null => current,
  token: (): string | null => current?.token ?? null,
  /** Whether the signed-in operator holds `group:action` (as at sign-in). */
  allows: (group: string, action: string): boolean =>
    current?.user.permissions[group]?.includes(action) ?? false,
  start(value: Session): void {
    current = value;
    sessionStorage.setItem(KEY, JSON.stringify(value));
    armExpiry();
    announce("");
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

/** Ends the session here (the token is forgotten) and tells the app why. */
export function end(message: string): void {
  current = null;
  sessionStorage.removeItem(KEY);
  window.clearTimeout(expiryTimer);
  announce(message);
}

armExpiry();
