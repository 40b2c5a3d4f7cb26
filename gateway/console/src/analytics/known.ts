// The analytics this browser created or opened, newest first. The service keeps descriptors but
// has no route listing them (only GET /analytic?id=), so the list is kept here (localStorage) and
// any other analytic is opened by its id.
import type { Descriptor } from "./descriptors";

const KEY = "meridian.console.analytics";
const MAX = 500;

export interface Known {
  id: string;
  descriptor: Descriptor;
  at: string;
}

export function knownAnalytics(): Known[] {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "[]") as unknown;
    return Array.isArray(saved) ? (saved as Known[]).filter((k) => k && typeof k.id === "string") : [];
  } catch {
    return [];
  }
}

export function remember(id: string, descriptor: Descriptor): void {
  const rest = knownAnalytics().filter((k) => k.id !== id);
  localStorage.setItem(KEY, JSON.stringify([{ id, descriptor, at: new Date().toISOString() }, ...rest].slice(0, MAX)));
}

export function forget(id: string): void {
  localStorage.setItem(KEY, JSON.stringify(knownAnalytics().filter((k) => k.id !== id)));
}
