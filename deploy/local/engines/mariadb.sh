# MariaDB from Debian's packages; data, socket and pid under .local, owned by mysql.
install_mariadb() {
  need mariadbd mariadb-install-db mariadb
  local dir="$DATA/mariadb"
  mkdir -p "$RUN/mariadb"
  chown mysql:mysql "$RUN/mariadb"
  if [ ! -d "$dir/mysql" ]; then
    say "initialising MariaDB data in $dir"
    mkdir -p "$dir" && chown mysql:mysql "$dir"
    mariadb-install-db --user=mysql --datadir="$dir" --auth-root-authentication-method=socket \
      --skip-test-db >"$LOGS/mariadb-install.log" 2>&1 || die "mariadb-install-db failed: see $LOGS/mariadb-install.log"
  fi
}
program_mariadb() {
  program mariadb "/usr/sbin/mariadbd --no-defaults --user=mysql --datadir=$DATA/mariadb --socket=$RUN/mariadb/mysqld.sock --pid-file=$RUN/mariadb/mysqld.pid --port=$MYSQL_PORT --bind-address=127.0.0.1 --local-infile=1 --character-set-server=utf8mb4 --collation-server=utf8mb4_bin --innodb-buffer-pool-size=256M --max-connections=500 --skip-log-error"
}
# After start: the development user for TCP (root logs in only by socket).
post_start_mariadb() {
  local sock="$RUN/mariadb/mysqld.sock"
  for _ in $(seq 60); do [ -S "$sock" ] && break; sleep 0.5; done
  mariadb --socket="$sock" -uroot >>"$LOGS/mariadb-setup.log" 2>&1 <<SQL || die "creating the MariaDB user failed: see $LOGS/mariadb-setup.log"
CREATE USER IF NOT EXISTS '$MYSQL_USER'@'127.0.0.1' IDENTIFIED BY '$MYSQL_PASSWORD';
CREATE USER IF NOT EXISTS '$MYSQL_USER'@'localhost' IDENTIFIED BY '$MYSQL_PASSWORD';
ALTER USER '$MYSQL_USER'@'127.0.0.1' IDENTIFIED BY '$MYSQL_PASSWORD';
ALTER USER '$MYSQL_USER'@'localhost' IDENTIFIED BY '$MYSQL_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$MYSQL_USER'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '$MYSQL_USER'@'localhost' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS kmdb CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
SQL
}
