# Sourced by `make test`: make sure a Redis answers and export LOGIQ_TEST_REDIS_URL.
# Uses $LOGIQ_TEST_REDIS_URL or 127.0.0.1:6379 when it answers; otherwise starts a
# throw-away redis-server on a free port (no persistence) that stops with the shell.
_redis_ping() { python3 - "$1" <<'PY'
import socket, sys
from urllib.parse import urlparse
u = urlparse(sys.argv[1])
try:
    s = socket.create_connection((u.hostname or "127.0.0.1", u.port or 6379), timeout=1)
    s.sendall(b"PING\r\n"); ok = s.recv(16).startswith(b"+PONG")
except OSError:
    ok = False
sys.exit(0 if ok else 1)
PY
}
LOGIQ_TEST_REDIS_URL="${LOGIQ_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"
if ! _redis_ping "$LOGIQ_TEST_REDIS_URL"; then
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "make test: no Redis answers at $LOGIQ_TEST_REDIS_URL and redis-server is not installed." >&2
    echo "  Install it (Debian/Ubuntu: apt-get install redis-server) or set LOGIQ_TEST_REDIS_URL." >&2
    return 1 2>/dev/null || exit 1
  fi
  _port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  echo "make test: starting redis-server on 127.0.0.1:$_port"
  redis-server --port "$_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --pidfile "/tmp/logiq-test-redis-$_port.pid" --logfile "/tmp/logiq-test-redis-$_port.log"
  trap 'kill "$(cat /tmp/logiq-test-redis-'"$_port"'.pid)" 2>/dev/null' EXIT
  for _i in 1 2 3 4 5 6 7 8 9 10; do _redis_ping "redis://127.0.0.1:$_port/0" && break; sleep 0.2; done
  LOGIQ_TEST_REDIS_URL="redis://127.0.0.1:$_port/0"
fi
export LOGIQ_TEST_REDIS_URL
