// Sign-in: the config-leader's operators (POST /config/auth/login); the token stays in this tab.
import { useEffect, useRef, useState } from "preact/hooks";
import { signIn } from "./config/api";
import { ApiError } from "./http";
import { session } from "./session";

export function SignInView(props: { message: string }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);

  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      session.start(await signIn(username.trim(), password));
    } catch (err) {
      setError(err instanceof ApiError ? (err.status === 401 ? "Wrong username or password." : err.words) : String(err));
      setBusy(false);
    }
  }

  return (
    <main class="signin">
      <form id="signin-form" onSubmit={(e) => void submit(e)} aria-labelledby="signin-title">
        <h1 id="signin-title">Meridian console</h1>
        <p class="hint">Sign in as an operator of the configuration leader.</p>
        {props.message && (
          <p id="signin-message" class="notice warning" role="status">
            {props.message}
          </p>
        )}
        <label>
          Username
          <input ref={first} name="username" autocomplete="username" value={username} onInput={(e) => setUsername((e.target as HTMLInputElement).value)} required />
        </label>
        <label>
          Password
          <input type="password" name="password" autocomplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} required />
        </label>
        <button id="sign-in" type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p id="signin-error" class="field-error" role="alert">
          {error}
        </p>
      </form>
    </main>
  );
}
