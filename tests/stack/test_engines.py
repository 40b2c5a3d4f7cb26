"""Each engine of the local stack answers its real query (the same check `stack.sh up` waits on):
one test per engine, so a broken one is named in the failure."""

from __future__ import annotations

from types import ModuleType

import pytest

pytestmark = pytest.mark.stack

ENGINES = ["elasticsearch", "cassandra", "mongodb", "mariadb", "redis", "s3", "smtp"]


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_answers(checks: ModuleType, engine: str) -> None:
    # A short grace in case a test before this one just restarted the engine.
    ok, message = checks.wait_for(engine, 60)
    assert ok, (
        f"{engine} did not answer its check: {message}; log: {checks.LOGS / (engine + '.log')}"
    )
    assert message
