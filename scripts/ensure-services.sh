#!/usr/bin/env bash
# Makes sure PostgreSQL, Redis and RabbitMQ answer on 127.0.0.1, starting any that is installed but down.
set -euo pipefail

wait_for() {
  local name=$1 check=$2 tries=${3:-60}
  for _ in $(seq "$tries"); do
    if eval "$check" >/dev/null 2>&1; then echo "ensure-services: $name is up"; return 0; fi
    sleep 1
  done
  echo "ensure-services: $name did not answer" >&2
  return 1
}

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
fi
wait_for postgres "pg_isready -q -h 127.0.0.1 -p 5432"

if ! redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
wait_for redis "redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG"

if [ "${NEED_RABBITMQ:-1}" = "1" ]; then
  if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
    if command -v rabbitmq-server >/dev/null; then rabbitmq-server -detached || true; fi
  fi
  wait_for rabbitmq "(exec 3<>/dev/tcp/127.0.0.1/5672)" 120
  if command -v rabbitmqctl >/dev/null; then
    wait_for "rabbitmq app" "rabbitmqctl -q await_startup" 120 || true
  fi
fi
