"""The frames agents send: parsing, validation, and applying status patches."""

from __future__ import annotations

from typing import Any

from meridian_kit.errors import BadRequest
from meridian_kit.json_body import JsonRules, parse_json

from ingest.agent.status_patch import PatchError, apply_patch

MAX_CHANNEL = 200
MAX_DEPTH = JsonRules.from_env().max_depth  # a frame nests as deep as the kit lets a JSON body

# Channels an agent uses to answer our commands (matched by the command router).
REPLY_CHANNELS = frozenset(
    {
        "trigger:action:success",
        "trigger:action:failure",
        "trigger:pm2:result",
        "axm:reply",
        "axm:scoped_action:stream",
        "axm:scoped_action:error",
        "axm:scoped_action:end",
    }
)


def as_dict(value: Any) -> dict[str, Any]:
    """The value if it is an object, else an empty one (payloads are untrusted)."""
    return value if isinstance(value, dict) else {}


class FrameError(ValueError):
    """A frame that cannot be taken, with the reason sent back to the client."""


def load_json(raw: str | bytes, what: str) -> Any:
    """Parses untrusted JSON by the kit's rule (strict, finite, 64-bit integers, MAX_DEPTH deep)."""
    try:
        return parse_json(raw.encode() if isinstance(raw, str) else raw, max_depth=MAX_DEPTH)
    except BadRequest as exc:
        problem = exc.detail[0] if isinstance(exc.detail, list) and exc.detail else {}
        field, reason = problem.get("field", "body"), problem.get("message", exc.message)
        message = f"{what}: {reason}" if field == "body" else f"{what}: {field}: {reason}"
        raise FrameError(message) from None


def parse_frame(raw: str | bytes) -> tuple[str, Any]:
    """(channel, payload) of a text frame `{"channel", "payload"}`; FrameError naming the problem."""
    frame = load_json(raw, "malformed frame")
    if not isinstance(frame, dict):
        raise FrameError("malformed frame: expected an object {channel, payload}")
    channel = frame.get("channel")
    if not isinstance(channel, str) or not channel:
        raise FrameError("malformed frame: `channel` must be a non-empty string")
    if len(channel) > MAX_CHANNEL:
        raise FrameError(f"malformed frame: `channel` longer than {MAX_CHANNEL} characters")
    return channel, frame.get("payload")


def check_push_frame(index: int, frame: Any) -> tuple[str, Any]:
    """One element of an HTTP push batch; FrameError naming its position and problem."""
    if not isinstance(frame, dict):
        raise FrameError(f"[{index}]: expected an object {{channel, payload}}")
    channel = frame.get("channel")
    if not isinstance(channel, str) or not channel or len(channel) > MAX_CHANNEL:
        raise FrameError(f"[{index}].channel: must be a non-empty string of at most {MAX_CHANNEL}")
    if channel == "status:patch":
        raise FrameError(f"[{index}].channel: status:patch needs a websocket session; send status")
    if channel == "status" and not isinstance(frame.get("payload"), dict):
        raise FrameError(f"[{index}].payload: a status payload must be an object")
    return channel, frame.get("payload")


def apply_status_patch(last: dict[str, Any] | None, operations: Any) -> dict[str, Any] | None:
    """The status after RFC 6902 operations, applied to `last` in place (the caller keeps only the
    result), or None when they do not apply (ask a resend; `last` may be partly changed then)."""
    if last is None or not isinstance(operations, list):
        return None
    try:
        result = apply_patch(last, operations)
    except (PatchError, RecursionError):
        return None
    return result if isinstance(result, dict) else None


def processes_of(status: dict[str, Any]) -> list[dict[str, Any]]:
    """The process list of a status payload (empty when absent or malformed)."""
    data = status.get("data")
    procs = data.get("process") if isinstance(data, dict) else None
    return [p for p in procs if isinstance(p, dict)] if isinstance(procs, list) else []


def server_info(status: dict[str, Any]) -> dict[str, Any]:
    """The server block of a status payload."""
    data = status.get("data")
    server = data.get("server") if isinstance(data, dict) else None
    return server if isinstance(server, dict) else {}


def process_summary(proc: dict[str, Any]) -> dict[str, Any]:
    """What the live stream and the servers query show of a process."""
    keys = ("name", "pm_id", "pid", "status", "cpu", "memory", "restart_time", "pm_uptime")
    summary = {k: proc.get(k) for k in keys}
    monitor = proc.get("axm_monitor")
    if isinstance(monitor, dict):
        summary["metrics"] = {
            str(name): (entry.get("value") if isinstance(entry, dict) else entry)
            for name, entry in monitor.items()
        }
    actions = proc.get("axm_actions")
    if isinstance(actions, list):
        summary["actions"] = [a.get("action_name") for a in actions if isinstance(a, dict)]
    return summary
