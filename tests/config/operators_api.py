"""A private leader for the operators' tests, and a small client speaking its API: config-leader's
own test helpers (services/config-leader/tests/leader_process.py), named here for the suites that
sign in to a private leader (tests/console)."""

from __future__ import annotations

from tests.config.conftest import FIRST_USER, OperatorsApi, error_message, operators_leader

__all__ = ["FIRST_USER", "OperatorsApi", "error_message", "operators_leader"]
