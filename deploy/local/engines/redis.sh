# Redis from Debian's packages, append-only so the intake buffer survives a restart.
install_redis() { need redis-server; }
program_redis() {
  mkdir -p "$DATA/redis"
  program redis "/usr/bin/redis-server --bind 127.0.0.1 --port $REDIS_PORT --dir $DATA/redis --appendonly yes --save '' --daemonize no --protected-mode no"
}
