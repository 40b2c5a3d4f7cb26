// An error where the action was refused: a 403 in words, anything else with its status.
import { ApiError } from "../http";

export function Problem(props: { error: unknown; id?: string }) {
  const { error, id } = props;
  if (!error) return null;
  const words = error instanceof ApiError ? error.words : String((error as Error).message ?? error);
  const refused = error instanceof ApiError && error.status === 403;
  return (
    <p id={id} class={refused ? "notice refused" : "notice error"} role="alert">
      {words}
    </p>
  );
}

/** Runs an action, keeping its error (or clearing it) for <Problem>. */
export async function attempt<T>(action: () => Promise<T>, setError: (e: unknown) => void): Promise<T | undefined> {
  setError(null);
  try {
    return await action();
  } catch (err) {
    setError(err);
    return undefined;
  }
}
