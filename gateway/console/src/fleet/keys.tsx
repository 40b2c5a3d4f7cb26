// A bucket's keys and the exact commands that link a PM2 to it through this gateway (to copy), key
// rotation (linked agents must link again) and the bucket's deletion (its stored data goes too).
import { useEffect, useState } from "preact/hooks";
import { useLocation } from "wouter-preact";
import { Problem, attempt } from "../ui/notice";
import { deleteBucket, rotateKeys, type Bucket } from "./api";
import { useStore } from "./store";

/** The ingest's address on this gateway, as KEYMETRICS_NODE wants it. */
export const keymetricsNode = (): string => `${window.location.origin}/ingest`;

function CopyLine(props: { id: string; label: string; text: string }) {
  const [copied, setCopied] = useState("");
  async function copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(props.text);
      setCopied("copied");
    } catch {
      // no clipboard permission: select the text so the keyboard's copy takes it
      const range = document.createRange();
      const node = document.getElementById(props.id);
      if (node) {
        range.selectNodeContents(node);
        window.getSelection()?.removeAllRanges();
        window.getSelection()?.addRange(range);
      }
      setCopied("selected: press Ctrl+C");
    }
  }
  return (
    <div class="copy-line">
      <code id={props.id} aria-label={props.label}>
        {props.text}
      </code>
      <button type="button" onClick={() => void copy()} aria-label={`copy ${props.label}`}>
        Copy
      </button>
      <span class="hint" role="status">
        {copied}
      </span>
    </div>
  );
}

export function KeysView() {
  const store = useStore();
  const [bucket, setBucket] = useState<Bucket | null>(store.bucket);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState<"" | "rotate" | "delete">("");
  const [, navigate] = useLocation();
  useEffect(() => setBucket(store.bucket), [store.bucket]);

  if (!bucket) return <Problem error={error} id="keys-error" />;
  const node = keymetricsNode();
  const link = `pm2 link ${bucket.secret_key} ${bucket.public_key}`;

  async function rotate(): Promise<void> {
    setConfirming("");
    const rotated = await attempt(() => rotateKeys(store.bucketId), setError);
    if (rotated) setBucket(rotated);
  }

  async function remove(): Promise<void> {
    setConfirming("");
    const done = await attempt(() => deleteBucket(store.bucketId), setError);
    if (done !== undefined) navigate("~/fleet");
  }

  return (
    <div>
      <section class="card" aria-labelledby="link-title">
        <h3 id="link-title">Link a PM2 to {bucket.name}</h3>
        <p>On the machine, with this gateway's address in the environment:</p>
        <CopyLine id="keymetrics-node" label="the KEYMETRICS_NODE setting" text={`export KEYMETRICS_NODE=${node}`} />
        <CopyLine id="link-command" label="the pm2 link command" text={link} />
        <p class="hint">
          Add the machine's name after the keys to choose how it is listed (<code>pm2 link … web-1</code>). A gateway whose certificate comes from a
          private CA needs <code>NODE_EXTRA_CA_CERTS=&lt;its ca.crt&gt;</code> too.
        </p>
        <dl class="keys">
          <dt>Public key</dt>
          <dd>
            <code id="public-key">{bucket.public_key}</code>
          </dd>
          <dt>Secret key</dt>
          <dd>
            <code id="secret-key">{bucket.secret_key}</code>
          </dd>
          <dt>Bucket id</dt>
          <dd>
            <code>{bucket.id}</code>
          </dd>
          <dt>Retention</dt>
          <dd>{bucket.retention_days} {bucket.retention_days === 1 ? "day" : "days"}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="danger-title">
        <h3 id="danger-title">Change the keys, remove the bucket</h3>
        <Problem error={error} id="keys-error" />
        {confirming === "" ? (
          <div class="toolbar">
            <button type="button" id="rotate-keys" onClick={() => setConfirming("rotate")}>
              Rotate keys…
            </button>
            <button type="button" class="danger" id="delete-bucket" onClick={() => setConfirming("delete")}>
              Delete bucket…
            </button>
          </div>
        ) : (
          <div class="toolbar" role="group" aria-label="confirm">
            <span>
              {confirming === "rotate"
                ? "New keys: every linked PM2 must link again with them."
                : `Delete ${bucket.name} and everything stored for it?`}
            </span>
            <button type="button" class="danger" id="confirm" onClick={() => void (confirming === "rotate" ? rotate() : remove())}>
              {confirming === "rotate" ? "Rotate" : "Delete"}
            </button>
            <button type="button" onClick={() => setConfirming("")}>
              Cancel
            </button>
          </div>
        )}
      </section>
    </div>
  );
}
