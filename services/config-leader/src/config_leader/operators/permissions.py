"""What an operator may do: permissions in groups, as the original leader names them.

`settings`: `read` (GET the admin API), `update` (change settings, roll back, apply migrations,
notify) and ours, `notify` (notify only). `users`: `read`, `create`, `delete`, `resetPassword`,
`changePermissions`. `platformUsers` (`read`, `modify`, `delete`) is kept for the original's admin
app and grants nothing here: this leader manages no platform users.

Ours, checked by the other services on an operator token's writes (meridian_kit.auth.
operator_of_token; reading stays open to any operator): `fleet` — `update` (ingest's buckets,
their keys, alert rules) and `act` (a process's actions and PM2 commands); `analytics` — `update`
(messages, logs, performance data, descriptors and their computation, exports); `imports` —
`update` (start an import, edit the filter tables); `metrics` — `update` (metrics-api's points,
saving and deleting dashboards). In the JSON form these groups appear when granted, so an operator
without them keeps the original's three groups. A row stored before one of them existed grants it
to an operator holding every original permission (the first operator stays one with every
permission), to nobody else.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

SettingsAction = Literal["read", "update", "notify"]
UsersAction = Literal["read", "create", "delete", "resetPassword", "changePermissions"]
PlatformUsersAction = Literal["read", "modify", "delete"]
FleetAction = Literal["update", "act"]
AnalyticsAction = Literal["update"]
ImportsAction = Literal["update"]
MetricsAction = Literal["update"]
Group = Literal["settings", "users", "platformUsers", "fleet", "analytics", "imports", "metrics"]
KNOWN_ACTIONS: dict[str, tuple[str, ...]] = {
    "settings": get_args(SettingsAction),
    "users": get_args(UsersAction),
    "platformUsers": get_args(PlatformUsersAction),
    "fleet": get_args(FleetAction),
    "analytics": get_args(AnalyticsAction),
    "imports": get_args(ImportsAction),
    "metrics": get_args(MetricsAction),
}
ORIGINAL_GROUPS = ("settings", "users", "platformUsers")


class Permissions(BaseModel):
    """An operator's permissions per group; a missing group grants nothing."""

    model_config = ConfigDict(extra="forbid")

    settings: list[SettingsAction] = Field(default_factory=list)
    users: list[UsersAction] = Field(default_factory=list)
    platform_users: list[PlatformUsersAction] = Field(default_factory=list, alias="platformUsers")
    fleet: list[FleetAction] = Field(default_factory=list)
    analytics: list[AnalyticsAction] = Field(default_factory=list)
    imports: list[ImportsAction] = Field(default_factory=list)
    metrics: list[MetricsAction] = Field(default_factory=list)

    def actions(self, group: Group) -> set[str]:
        """The actions granted in one group."""
        field = "platform_users" if group == "platformUsers" else group
        return set(getattr(self, field))

    def allows(self, group: Group, action: str) -> bool:
        """Whether this grants `action` in `group`."""
        return action in self.actions(group)

    def beyond(self, owned: Permissions) -> list[str]:
        """The permissions held here that `owned` lacks, as `group:action`."""
        groups: tuple[Group, ...] = get_args(Group)
        return [
            f"{group}:{action}"
            for group in groups
            for action in sorted(self.actions(group) - owned.actions(group))
        ]

    def as_stored(self) -> dict[str, list[str]]:
        """Every group, even empty, as the store writes them: a group missing from a row means
        the row predates it (stored_groups)."""
        return {group: sorted(self.actions(group)) for group in get_args(Group)}

    def as_json(self) -> dict[str, list[str]]:
        """The original's JSON form: its three groups always, ours when granted; actions in a
        stable order."""
        groups: tuple[Group, ...] = get_args(Group)
        return {
            group: sorted(self.actions(group))
            for group in groups
            if group in ORIGINAL_GROUPS or self.actions(group)
        }


def every_permission() -> Permissions:
    """Every permission: the first operator's, created by the deployment."""
    return Permissions.model_validate(
        {
            "settings": ["read", "update", "notify"],
            "users": ["read", "create", "delete", "resetPassword", "changePermissions"],
            "platformUsers": ["read", "modify", "delete"],
            "fleet": ["update", "act"],
            "analytics": ["update"],
            "imports": ["update"],
            "metrics": ["update"],
        }
    )


def stored_groups(value: dict[str, object]) -> dict[str, object]:
    """Permissions as a row stored them, with the groups added since: granted in full when the
    row lacks them and holds every original permission (an operator with every permission, such
    as the first one, keeps every permission), else none."""
    added = [group for group in KNOWN_ACTIONS if group not in value]
    if not added or set(added) & set(ORIGINAL_GROUPS):
        return value

    def holds_all(group: str) -> bool:
        actions = value.get(group)
        return isinstance(actions, list) and set(KNOWN_ACTIONS[group]) <= set(actions)

    whole = all(holds_all(group) for group in ORIGINAL_GROUPS)
    return {**value, **{group: list(KNOWN_ACTIONS[group]) if whole else [] for group in added}}
