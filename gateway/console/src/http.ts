// Every call to a service through the gateway, on the page's own origin, with the operator's token.
// A 401 ends the session (back to sign-in, saying why); other errors are thrown as ApiError with the
// service's own words, whichever of the two error shapes it answers:
// the kit's {"error": "...", "detail"}, Pryv's {"error": {"message", "detail"}} (config-leader) or
// the original memex logger's {"status", "code"} (analytics).
import { end, session } from "./session";

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
    public detail: unknown = null,
  ) {
    super(message);
  }

  /** The refusal in words, as shown where the action was refused. */
  get words(): string {
    if (this.status === 403) return `Refused (403 Forbidden): ${this.message}`;
    if (this.status === 0) return `Not reachable: ${this.message}`;
    return `${this.message} (${this.status})`;
  }
}

function errorOf(status: number, body: unknown, fallback: string): ApiError {
  const raw = (body as { error?: unknown; detail?: unknown } | null) ?? {};
  if (raw.error && typeof raw.error === "object") {
    const nested = raw.error as { message?: string; detail?: unknown };
    return new ApiError(status, nested.message ?? fallback, nested.detail ?? null);
  }
  // analytics answers as the original did: {"status": "Malformed request: ...", "code": 400}
  const words = (body as { status?: unknown } | null)?.status;
  const message = typeof raw.error === "string" ? raw.error : typeof words === "string" ? words : fallback;
  return new ApiError(status, message, raw.detail ?? null);
}

export async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const token = session.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
      headers: { ...headers, ...((init.headers as Record<string, string>) ?? {}) },
    });
  } catch (err) {
    throw new ApiError(0, (err as Error).message);
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = errorOf(response.status, body, response.statusText);
    // a refused sign-in is the form's own error, not an ended session
    if (response.status === 401 && token && !path.endsWith("/auth/login")) {
      end(`Signed out: ${error.message}`);
    }
    throw error;
  }
  return body as T;
}

export const json = (method: string, body?: unknown): RequestInit => ({
  method,
  body: body === undefined ? undefined : JSON.stringify(body),
});
