"""What an operator may do: permissions in groups, as the original leader names them.

`settings`: `read` (GET the admin API), `update` (change settings, roll back, apply migrations,
notify) and ours, `notify` (notify only). `users`: `read`, `create`, `delete`, `resetPassword`,
`changePermissions`. `platformUsers` (`read`, `modify`, `delete`) is kept for the original's admin
app and grants nothing here: this leader manages no platform users.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

SettingsAction = Literal["read", "update", "notify"]
UsersAction = Literal["read", "create", "delete", "resetPassword", "changePermissions"]
PlatformUsersAction = Literal["read", "modify", "delete"]
Group = Literal["settings", "users", "platformUsers"]
KNOWN_ACTIONS: dict[str, tuple[str, ...]] = {
    "settings": get_args(SettingsAction),
    "users": get_args(UsersAction),
    "platformUsers": get_args(PlatformUsersAction),
}


class Permissions(BaseModel):
    """An operator's permissions per group; a missing group grants nothing."""

    model_config = ConfigDict(extra="forbid")

    settings: list[SettingsAction] = Field(default_factory=list)
    users: list[UsersAction] = Field(default_factory=list)
    platform_users: list[PlatformUsersAction] = Field(default_factory=list, alias="platformUsers")

    def actions(self, group: Group) -> set[str]:
        """The actions granted in one group."""
        field = "platform_users" if group == "platformUsers" else group
        return set(getattr(self, field))

    def allows(self, group: Group, action: str) -> bool:
        """Whether this grants `action` in `group`."""
        return action in self.actions(group)

    def beyond(self, owned: Permissions) -> list[str]:
        """The permissions held here that `owned` lacks, as `group:action`."""
        groups: tuple[Group, ...] = ("settings", "users", "platformUsers")
        return [
            f"{group}:{action}"
            for group in groups
            for action in sorted(self.actions(group) - owned.actions(group))
        ]

    def as_json(self) -> dict[str, list[str]]:
        """The original's JSON form: every group, actions in a stable order."""
        return {
            "settings": sorted(set(self.settings)),
            "users": sorted(set(self.users)),
            "platformUsers": sorted(set(self.platform_users)),
        }


def every_permission() -> Permissions:
    """Every permission: the first operator's, created by the deployment."""
    return Permissions.model_validate(
        {
            "settings": ["read", "update", "notify"],
            "users": ["read", "create", "delete", "resetPassword", "changePermissions"],
            "platformUsers": ["read", "modify", "delete"],
        }
    )
