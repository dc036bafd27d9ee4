# Shared by scripts/demo and scripts/test: install what is missing, never more.
# shellcheck shell=bash

VENV=${SETUPFLOW_VENV:-.venv}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# ensure_debs PKG...: install the Debian packages that are not installed yet.
ensure_debs() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    say "missing Debian packages: ${missing[*]} (run as root, or install them)"; return 1
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Packages WeasyPrint needs to render PDFs (Pango) and fonts for the documents.
DOCUMENT_DEBS=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)

# ensure_venv EXTRAS: a virtualenv with setupflow installed (editable) and its extras.
ensure_venv() {
  local extras=$1
  local stamp="$VENV/.setupflow-$extras-$(sha1sum pyproject.toml | cut -c1-12)"
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    python3 -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ]; then
    say "installing setupflow[$extras] into $VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".[$extras]"
    touch "$stamp"
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_postgres: a throw-away PostgreSQL cluster on 127.0.0.1, stopped on exit.
# Exports SETUPFLOW_TEST_POSTGRES_URL (an admin URL; tests create their own databases).
start_postgres() {
  ensure_debs postgresql
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PG_DIR=$(mktemp -d /tmp/setupflow-pg.XXXXXX)
  PG_PORT=$(free_port)
  local as_pg=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$PG_DIR"
    as_pg=(runuser -u postgres --)
  fi
  "${as_pg[@]}" "$bindir/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync -E UTF8 >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
  export SETUPFLOW_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
  export SETUPFLOW_TEST_PG_BINDIR="$bindir"
  say "PostgreSQL running on 127.0.0.1:$PG_PORT"
  trap stop_postgres EXIT
}

stop_postgres() {
  [ -n "${PG_DIR:-}" ] || return 0
  local as_pg=()
  [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
  "${as_pg[@]}" "$SETUPFLOW_TEST_PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
