"""The shapes of buckets, users and servers on the admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)]


class BucketCreate(BaseModel):
    """A new bucket: its keys are generated."""

    name: str = Field(min_length=1, max_length=200)
    retention_days: int = Field(30, ge=1, le=3650)
    alert_emails: list[Email] = Field(default_factory=list, max_length=100)


class BucketUpdate(BaseModel):
    """The fields of a bucket an admin may change; keys rotate with rotate_keys."""

    name: str | None = Field(None, min_length=1, max_length=200)
    retention_days: int | None = Field(None, ge=1, le=3650)
    alert_emails: list[Email] | None = Field(None, max_length=100)
    rotate_keys: bool = False


class Bucket(BaseModel):
    """A bucket as stored and returned."""

    id: str
    name: str
    public_key: str
    secret_key: str
    retention_days: int
    alert_emails: list[str]
    created_at: datetime
    updated_at: datetime


class UserCreate(BaseModel):
    """A user who may read some buckets."""

    email: Email
    name: str = Field("", max_length=200)
    bucket_ids: list[str] = Field(default_factory=list, max_length=1000)


class UserUpdate(BaseModel):
    """The fields of a user an admin may change."""

    name: str | None = Field(None, max_length=200)
    bucket_ids: list[str] | None = Field(None, max_length=1000)


class User(BaseModel):
    """A user as stored and returned."""

    id: str
    email: str
    name: str
    bucket_ids: list[str]
    created_at: datetime


class Server(BaseModel):
    """A machine whose PM2 agent pushed into a bucket."""

    machine_name: str
    hostname: str | None = None
    pm2_version: str | None = None
    agent_version: str | None = None
    first_seen: datetime
    last_seen: datetime
    connected_at: datetime | None = None
    online: bool
