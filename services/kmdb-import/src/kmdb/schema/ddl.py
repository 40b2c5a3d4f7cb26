"""Table definitions: KMDB's tables and column meanings, utf8mb4, case-sensitive, BIGINT ids."""

from __future__ import annotations

# Tables whose rows come from the exports; kmdb-flush empties them. `keys` is kept as KMDB did:
# its ids are hashes of the strings, so stale keys never clash with new rows.
IMPORTED_TABLES = (
    "events",
    "properties",
    "aliases",
    "users",
    "identities",
    "pending_moves",
    "dumpfiles",
    "file_errors",
    "imports",
)
FILTER_TABLES = ("ignored_users", "whitelisted_events", "blacklisted_properties")
PARTITIONED_TABLES = ("events", "properties")

_NAME = "VARCHAR(255) NOT NULL"
_FILTER = f"""(
  name {_NAME},
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (name)
)"""

TABLES: dict[str, str] = {
    "keys": f"""(
  id BIGINT NOT NULL,
  string {_NAME},
  PRIMARY KEY (id),
  UNIQUE KEY index_keys_on_string (string)
)""",
    "users": f"""(
  id BIGINT NOT NULL,
  name {_NAME},
  PRIMARY KEY (id),
  UNIQUE KEY index_users_on_name (name)
)""",
    "identities": f"""(
  name {_NAME},
  user_id BIGINT NOT NULL,
  PRIMARY KEY (name),
  KEY index_identities_on_user_id (user_id)
)""",
    # Users merged into another whose past rows are still to be re-pointed (dealias/moves.py):
    # `name` is the old user's own identity, whose user_id names the user its rows go to.
    "pending_moves": f"""(
  old_user BIGINT NOT NULL,
  name {_NAME},
  PRIMARY KEY (old_user)
)""",
    "events": """(
  id BIGINT NOT NULL,
  t DATETIME NOT NULL,
  n BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  PRIMARY KEY (id, t),
  KEY index_events_on_user_id_and_t (user_id, t),
  KEY index_events_on_n_and_t (n, t)
)""",
    "properties": """(
  id BIGINT NOT NULL,
  t DATETIME NOT NULL,
  `key` BIGINT NOT NULL,
  value VARCHAR(255) NULL,
  user_id BIGINT NOT NULL,
  event_id BIGINT NULL,
  PRIMARY KEY (id, t),
  KEY index_properties_on_user_id_and_t (user_id, t),
  KEY index_properties_on_key_and_t (`key`, t)
)""",
    "aliases": f"""(
  id BIGINT NOT NULL,
  name1 {_NAME},
  name2 {_NAME},
  t DATETIME NOT NULL,
  PRIMARY KEY (id),
  KEY index_aliases_on_name1 (name1),
  KEY index_aliases_on_name2 (name2)
)""",
    "ignored_users": _FILTER,
    "whitelisted_events": _FILTER,
    "blacklisted_properties": _FILTER,
    "imports": """(
  id CHAR(32) NOT NULL,
  source VARCHAR(1024) NOT NULL,
  force_reimport BOOLEAN NOT NULL DEFAULT FALSE,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id)
)""",
    "dumpfiles": """(
  revision INT NOT NULL,
  source VARCHAR(1024) NOT NULL,
  import_id CHAR(32) NULL,
  generation INT NOT NULL DEFAULT 0,
  job_id VARCHAR(255) NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'queued',
  `length` BIGINT NULL,
  `offset` BIGINT NOT NULL DEFAULT 0,
  `line` BIGINT NOT NULL DEFAULT 0,
  events BIGINT NOT NULL DEFAULT 0,
  properties BIGINT NOT NULL DEFAULT 0,
  aliases BIGINT NOT NULL DEFAULT 0,
  skipped BIGINT NOT NULL DEFAULT 0,
  bad_lines BIGINT NOT NULL DEFAULT 0,
  rows_moved BIGINT NOT NULL DEFAULT 0,
  error TEXT NULL,
  queued_at TIMESTAMP(6) NULL,
  started_at TIMESTAMP(6) NULL,
  finished_at TIMESTAMP(6) NULL,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (revision),
  KEY index_dumpfiles_on_import_id (import_id)
)""",
    "file_errors": """(
  revision INT NOT NULL,
  line BIGINT NOT NULL,
  reason VARCHAR(255) NOT NULL,
  excerpt VARCHAR(255) NOT NULL,
  PRIMARY KEY (revision, line)
)""",
}
