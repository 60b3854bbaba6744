#!/usr/bin/env bash
# Installs what espfleet needs on a fresh Debian machine: system packages (when root),
# then the npm workspaces from package-lock.json. Every step says what it does, and the
# installers' own progress stays visible: on a fresh clone this takes minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v lua5.1 >/dev/null 2>&1 || need+=(lua5.1)
command -v lua5.3 >/dev/null 2>&1 || need+=(lua5.3)
# Browser tests drive Debian's Chromium; the seeds' Python sample client needs websocket-client.
# The device gateway spec's Python example needs python-socketio.
[ -x /usr/bin/chromium ] || need+=(chromium)
/usr/bin/python3 -c 'import websocket' >/dev/null 2>&1 || need+=(python3-websocket)
/usr/bin/python3 -c 'import socketio' >/dev/null 2>&1 || need+=(python3-socketio)
# python-socketio's HTTP client (long-polling) is requests, only recommended by the package.
/usr/bin/python3 -c 'import requests' >/dev/null 2>&1 || need+=(python3-requests)
# The two-instance deployment's test runs the load balancer of deploy/ (HAProxy).
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== setup: installing ${need[*]} with apt-get =="
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"
  else
    echo "setup: missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
  fi
else
  echo "== setup: system packages present (lua5.1, lua5.3, chromium, python3-websocket, python3-socketio, haproxy) =="
fi

# npm ci only when the lock file changed since the last install.
stamp=node_modules/.espfleet-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "== setup: npm ci (installing the npm packages; compiling better-sqlite3 takes a minute or two) =="
  # --foreground-scripts shows install scripts (the native build) as they run, not a silent wait.
  npm ci --no-audit --no-fund --foreground-scripts
  cp package-lock.json "$stamp"
else
  echo "== setup: npm packages up to date with package-lock.json =="
fi
