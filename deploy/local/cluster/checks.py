"""Whether each cluster of the cluster profile is whole: every node answers and sees the others.

Run by deploy/local/cluster.sh (which sets CLUSTER_*): `--wait N` polls for up to N seconds.
Elasticsearch: every node in one cluster, health not red. Cassandra: each node's CQL answers and
its peers are the other nodes. Redis: every Sentinel names the same master, which has a replica
online. MariaDB: the replica's IO and SQL threads run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable

import redis
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import WhiteListRoundRobinPolicy


def address(node: int) -> str:
    """Node k's loopback address (node 1 on 127.0.0.2), as cluster.sh has it."""
    return f"127.0.0.{node + 1}"


def elasticsearch() -> str:
    """Every node in the cluster and its health."""
    nodes = int(os.environ["CLUSTER_ES_NODES"])
    seen = []
    for k in range(1, nodes + 1):
        with urllib.request.urlopen(f"http://{address(k)}:9200/_cluster/health", timeout=5) as r:
            health = json.load(r)
        if health["number_of_nodes"] != nodes or health["status"] == "red":
            raise RuntimeError(
                f"es{k} sees {health['number_of_nodes']} node(s), {health['status']}"
            )
        seen.append(health["status"])
    return f"{nodes} nodes, {seen[0]}"


def cassandra() -> str:
    """Each node answers CQL and lists the others as peers."""
    nodes = int(os.environ["CLUSTER_CASSANDRA_NODES"])
    for k in range(1, nodes + 1):
        only = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy([address(k)]))
        cluster = Cluster(
            [address(k)],
            execution_profiles={EXEC_PROFILE_DEFAULT: only},
            connect_timeout=5,
            control_connection_timeout=5,
        )
        try:
            session = cluster.connect()
            peers = {str(row.peer) for row in session.execute("SELECT peer FROM system.peers")}
        finally:
            cluster.shutdown()
        want = {address(j) for j in range(1, nodes + 1) if j != k}
        if peers != want:
            raise RuntimeError(f"cassandra{k} has peers {sorted(peers)}, not {sorted(want)}")
    return f"{nodes} nodes"


def redis_sentinel() -> str:
    """The Sentinels agree on the master, and it has a replica online."""
    name = os.environ["CLUSTER_REDIS_MASTER"]
    masters = set()
    ours = {address(k) for k in (1, 2, 3)}
    for k in (1, 2, 3):
        sentinel = redis.Redis(address(k), 26379, socket_timeout=3, decode_responses=True)
        masters.add(tuple(sentinel.sentinel_get_master_addr_by_name(name) or ()))
        # Only the cluster's own addresses: 127.0.0.1 would be `make up`'s Redis, taken for a replica.
        known = {r["ip"] for r in sentinel.sentinel_slaves(name)}
        known |= {s["ip"] for s in sentinel.sentinel_sentinels(name)}
        if known - ours:
            raise RuntimeError(f"sentinel{k} knows {sorted(known - ours)}: not the cluster's")
    if len(masters) != 1:
        raise RuntimeError(f"the Sentinels name different masters: {sorted(masters)}")
    (host, port) = masters.pop()
    info = redis.Redis(host, int(port), socket_timeout=3).info("replication")
    if info["role"] != "master" or info.get("connected_slaves", 0) < 1:
        raise RuntimeError(
            f"{host}:{port} is {info['role']} with {info.get('connected_slaves')} replica(s)"
        )
    return f"master {host}:{port}, 1 replica, 3 sentinels"


def mariadb() -> str:
    """The replica's IO and SQL threads run."""
    out = subprocess.run(
        [
            "mariadb",
            f"--socket={os.environ['CLUSTER_MARIADB_SOCKET']}",
            "-uroot",
            "-e",
            "SHOW SLAVE STATUS\\G",
        ],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    ).stdout
    fields = {}
    for line in out.splitlines():
        key, sep, value = line.strip().partition(":")
        if sep:
            fields[key] = value.strip()
    if fields.get("Slave_IO_Running") != "Yes" or fields.get("Slave_SQL_Running") != "Yes":
        raise RuntimeError(
            f"replica: IO {fields.get('Slave_IO_Running')}, SQL {fields.get('Slave_SQL_Running')}"
        )
    return f"replica behind by {fields.get('Seconds_Behind_Master')} s"


CHECKS: dict[str, Callable[[], str]] = {
    "elasticsearch": elasticsearch,
    "cassandra": cassandra,
    "redis": redis_sentinel,
    "mariadb": mariadb,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wait", type=float, default=0, help="poll up to this many seconds")
    parser.add_argument("engines", nargs="*", default=list(CHECKS))
    args = parser.parse_args()
    deadline = time.monotonic() + args.wait
    pending = list(args.engines)
    errors: dict[str, str] = {}
    while True:
        for engine in list(pending):
            try:
                print(f"ok    {engine}: {CHECKS[engine]()}", flush=True)
                pending.remove(engine)
            except Exception as exc:
                errors[engine] = f"{type(exc).__name__}: {exc}"
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(3)
    for engine in pending:
        print(f"FAIL  {engine}: {errors[engine]}", flush=True)
    return 1 if pending else 0


if __name__ == "__main__":
    sys.exit(main())
