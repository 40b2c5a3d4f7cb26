# MariaDB of the cluster profile: a primary (mariadb1 on 127.0.0.2:3306, binary log) and a replica
# (mariadb2 on 127.0.0.3:3306, read-only) replicating it by GTID. The development user and the
# kmdb database are made on the primary and reach the replica through replication.
# shellcheck shell=bash

mariadb_dir() { printf %s "$CLUSTER_DIR/mariadb/mariadb$1"; }
mariadb_socket() { printf %s "$CLUSTER_RUN/mariadb$1/mysqld.sock"; }

install_cluster_mariadb() {
  need mariadbd mariadb-install-db mariadb
  local k dir
  for k in 1 2; do
    dir="$(mariadb_dir "$k")"
    mkdir -p "$CLUSTER_RUN/mariadb$k"
    chown mysql:mysql "$CLUSTER_RUN/mariadb$k"
    if [ ! -d "$dir/mysql" ]; then
      say "initialising MariaDB data in $dir"
      mkdir -p "$dir" && chown mysql:mysql "$dir"
      mariadb-install-db --user=mysql --datadir="$dir" --auth-root-authentication-method=socket \
        --skip-test-db >"$LOGS/mariadb-install.log" 2>&1 || die "mariadb-install-db failed: see $LOGS/mariadb-install.log"
    fi
  done
}

programs_cluster_mariadb() {
  local k role
  for k in 1 2; do
    role="--log-bin=mariadb-bin --log-slave-updates"
    [ "$k" = 1 ] || role="$role --read-only --relay-log=relay-bin"
    program "mariadb$k" "/usr/sbin/mariadbd --no-defaults --user=mysql --datadir=$(mariadb_dir "$k") --socket=$(mariadb_socket "$k") --pid-file=$CLUSTER_RUN/mariadb$k/mysqld.pid --port=3306 --bind-address=$(node_address "$k") --server-id=$k $role --binlog-format=ROW --local-infile=1 --character-set-server=utf8mb4 --collation-server=utf8mb4_bin --innodb-buffer-pool-size=64M --max-connections=200 --skip-log-error"
    echo
  done
}

# After start: the users on the primary, then the replica following it from its first GTID.
post_start_cluster_mariadb() {
  local k sock
  for k in 1 2; do
    sock="$(mariadb_socket "$k")"
    for _ in $(seq 120); do [ -S "$sock" ] && break; sleep 0.5; done
  done
  mariadb --socket="$(mariadb_socket 1)" -uroot >>"$LOGS/mariadb-setup.log" 2>&1 <<SQL || die "setting up the MariaDB primary failed: see $LOGS/mariadb-setup.log"
CREATE USER IF NOT EXISTS '$MYSQL_USER'@'127.0.0.%' IDENTIFIED BY '$MYSQL_PASSWORD';
CREATE USER IF NOT EXISTS '$MYSQL_USER'@'localhost' IDENTIFIED BY '$MYSQL_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$MYSQL_USER'@'127.0.0.%' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '$MYSQL_USER'@'localhost' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'replicator'@'127.0.0.%' IDENTIFIED BY '$MYSQL_PASSWORD';
GRANT REPLICATION SLAVE ON *.* TO 'replicator'@'127.0.0.%';
CREATE DATABASE IF NOT EXISTS kmdb CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
SQL
  mariadb --socket="$(mariadb_socket 2)" -uroot >>"$LOGS/mariadb-setup.log" 2>&1 <<SQL || die "setting up the MariaDB replica failed: see $LOGS/mariadb-setup.log"
STOP SLAVE;
CHANGE MASTER TO MASTER_HOST='$(node_address 1)', MASTER_PORT=3306, MASTER_USER='replicator',
  MASTER_PASSWORD='$MYSQL_PASSWORD', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=2;
START SLAVE;
SQL
}
