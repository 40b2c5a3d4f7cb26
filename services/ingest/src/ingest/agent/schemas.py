"""The shapes of the commands API: what an operator asks of a connected server, and its answer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

ProcessId = Annotated[int, Field(ge=0, le=2**31)] | Annotated[str, Field(max_length=64)]
PM2_METHODS = ("restart", "reload", "reset", "scale", "startLogging", "stopLogging", "ping")


class ActionRequest(BaseModel):
    """A custom action of a process (declared with @pm2/io's action())."""

    action_name: str = Field(min_length=1, max_length=256)
    process_id: ProcessId | None = None
    process: str | None = Field(
        None, max_length=256, description="the process name, when process_id is not given"
    )
    opts: dict[str, Any] | None = None
    scoped: bool = False

    @model_validator(mode="after")
    def _needs_a_process(self) -> ActionRequest:
        if self.process_id is None and not self.process:
            raise ValueError("give `process_id` or `process`")
        return self


class Pm2ActionRequest(BaseModel):
    """A PM2 method on the server (restart, reload, …); `parameters.name` names the app."""

    method_name: Literal[PM2_METHODS]  # type: ignore[valid-type]
    parameters: dict[str, Any] = Field(default_factory=dict)


class CommandResult(BaseModel):
    """The command sent and every answer the agent gave, in order."""

    server: str
    command: dict[str, Any]
    replies: list[dict[str, Any]]
