"""What the lifespan builds once per process, typed: the settings, the Cassandra connection and
each domain's store over it (routes get them through metrics_api.deps)."""

from __future__ import annotations

from dataclasses import dataclass

from metrics_api.cassandra_session import CassandraConnection
from metrics_api.catalog.store import CatalogStore
from metrics_api.dashboards.store import DashboardStore
from metrics_api.series.store import SeriesStore
from metrics_api.settings import Settings


@dataclass(frozen=True)
class State:
    """The app's clients: the lifespan yields one, the kit carries it (deps.StateDep)."""

    settings: Settings
    cassandra: CassandraConnection
    series: SeriesStore
    catalog: CatalogStore
    dashboards: DashboardStore

    @classmethod
    def over(cls, settings: Settings, cassandra: CassandraConnection) -> State:
        """Every store over one connection, in the settings' keyspace."""
        keyspace = settings.keyspace
        return cls(
            settings=settings,
            cassandra=cassandra,
            series=SeriesStore(cassandra, keyspace),
            catalog=CatalogStore(cassandra, keyspace),
            dashboards=DashboardStore(cassandra, keyspace),
        )
