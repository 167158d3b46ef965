#!/usr/bin/env bash
# Airflow on this machine without Docker: api-server, scheduler and dag-processor as separate
# processes, bound to 127.0.0.1, metadata and warehouse on the embedded PostgreSQL.
#
#   scripts/airflow-local.sh start    migrate, start the three services, wait until healthy
#   scripts/airflow-local.sh stop     stop the services this script started
#   scripts/airflow-local.sh status   show which are running
#
# Every setting below can be overridden from the environment (AIRFLOW__SECTION__KEY and
# the AKHBAR_* variables); the state lives in $AIRFLOW_HOME (default .akhbar/airflow).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${AKHBAR_VENV:-$REPO/.venv}/bin"
PY="$BIN/python"
AIRFLOW="$BIN/airflow"

export AIRFLOW_HOME="${AIRFLOW_HOME:-$REPO/.akhbar/airflow}"
PORT="${AKHBAR_AIRFLOW_PORT:-8080}"
RUN_DIR="$AIRFLOW_HOME/run"
LOG_DIR="$AIRFLOW_HOME/service-logs"
SERVICES=(api-server scheduler dag-processor)
CORES="$(nproc 2>/dev/null || echo 2)"

configure() {
    # Task processes run from other folders: give the project home as an absolute path.
    export AKHBAR_HOME="${AKHBAR_HOME:-$REPO/.akhbar}"
    export AIRFLOW__CORE__DAGS_FOLDER="${AIRFLOW__CORE__DAGS_FOLDER:-$REPO/dags}"
    export AIRFLOW__CORE__LOAD_EXAMPLES="${AIRFLOW__CORE__LOAD_EXAMPLES:-False}"
    export AIRFLOW__CORE__EXECUTOR="${AIRFLOW__CORE__EXECUTOR:-LocalExecutor}"
    # Task slots sized to the machine: one running task per core.
    export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-$CORES}"
    export AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG="${AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG:-$CORES}"
    export AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES="${AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES:-1}"
    export AIRFLOW__API__WORKERS="${AIRFLOW__API__WORKERS:-1}"
    export AIRFLOW__API__HOST="127.0.0.1"
    export AIRFLOW__API__PORT="$PORT"
    # Tasks reach the execution API through this URL; without it they assume port 8080.
    export AIRFLOW__API__BASE_URL="${AIRFLOW__API__BASE_URL:-http://127.0.0.1:$PORT}"
    export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="${AIRFLOW__CORE__EXECUTION_API_SERVER_URL:-$AIRFLOW__API__BASE_URL/execution/}"
    export AIRFLOW__CORE__AUTH_MANAGER="${AIRFLOW__CORE__AUTH_MANAGER:-airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager}"
    export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS:-admin:admin}"
    # Shared secrets of the three processes (tokens they sign for each other).
    local secrets="$AIRFLOW_HOME/local-secrets.env"
    if [[ ! -f "$secrets" ]]; then
        (umask 077; "$PY" -c 'import secrets; print("JWT=" + secrets.token_urlsafe(32)); print("FERNET=" + __import__("base64").urlsafe_b64encode(secrets.token_bytes(32)).decode())' >"$secrets")
    fi
    export AIRFLOW__API_AUTH__JWT_SECRET="${AIRFLOW__API_AUTH__JWT_SECRET:-$(sed -n 's/^JWT=//p' "$secrets")}"
    export AIRFLOW__CORE__FERNET_KEY="${AIRFLOW__CORE__FERNET_KEY:-$(sed -n 's/^FERNET=//p' "$secrets")}"

    # Metadata database: the embedded server's "airflow" database unless one is given.
    if [[ -z "${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-}" ]]; then
        local meta
        meta="$("$PY" -c 'from pipeline import pgserver; from pipeline.settings import Settings; s = Settings.from_env(); print(pgserver.embedded_url(s.home, s.embedded_port, "airflow"))')"
        export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="${meta/postgresql:\/\//postgresql+psycopg://}"
    fi
    # Warehouse: the akhbar_db connection (URI form), else AKHBAR_DATABASE_URL, else the
    # embedded server's akhbar database.
    if [[ -z "${AIRFLOW_CONN_AKHBAR_DB:-}" ]]; then
        export AIRFLOW_CONN_AKHBAR_DB="${AKHBAR_DATABASE_URL:-$("$BIN/akhbar" db url)}"
    fi
}

pid_alive() { [[ -f "$RUN_DIR/$1.pid" ]] && kill -0 "$(cat "$RUN_DIR/$1.pid")" 2>/dev/null; }

wait_healthy() {
    local timeout="${AKHBAR_AIRFLOW_START_TIMEOUT:-180}"
    "$PY" - "$AIRFLOW__API__BASE_URL" "$timeout" <<'EOF'
import sys, time, httpx
base, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    try:
        health = httpx.get(f"{base}/api/v2/monitor/health", timeout=5).json()
        states = {k: (v or {}).get("status") for k, v in health.items()}
        if all(states.get(k) == "healthy" for k in ("metadatabase", "scheduler", "dag_processor")):
            print(f"Airflow is healthy at {base}")
            sys.exit(0)
    except (httpx.HTTPError, ValueError):
        pass
    time.sleep(2)
sys.exit(f"Airflow did not become healthy at {base} in {sys.argv[2]} s; see the service logs")
EOF
}

start() {
    mkdir -p "$AIRFLOW_HOME" "$RUN_DIR" "$LOG_DIR"
    configure
    # The warehouse the DAGs will write to gets its migrations first.
    AKHBAR_DATABASE_URL="$AIRFLOW_CONN_AKHBAR_DB" "$BIN/akhbar" db migrate >/dev/null
    "$AIRFLOW" db migrate >"$LOG_DIR/db-migrate.log" 2>&1 || {
        tail -n 40 "$LOG_DIR/db-migrate.log" >&2; exit 1; }
    local svc
    for svc in "${SERVICES[@]}"; do
        if pid_alive "$svc"; then
            echo "$svc already running (pid $(cat "$RUN_DIR/$svc.pid"))"
            continue
        fi
        local args=("$svc")
        # The scheduler's log server would listen on all interfaces; with every process on
        # this machine the api-server reads task logs from $AIRFLOW_HOME/logs directly.
        [[ "$svc" == scheduler ]] && args+=(--skip-serve-logs)
        # setsid: each service leads its own process group, so stop ends its children too.
        setsid "$AIRFLOW" "${args[@]}" >>"$LOG_DIR/$svc.log" 2>&1 </dev/null &
        echo $! >"$RUN_DIR/$svc.pid"
        echo "started $svc (pid $!, log $LOG_DIR/$svc.log)"
    done
    if ! wait_healthy; then
        stop
        exit 1
    fi
    echo "UI: $AIRFLOW__API__BASE_URL  (users: $AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS; passwords in $AIRFLOW_HOME/simple_auth_manager_passwords.json.generated)"
}

stop() {
    local svc pid i
    for svc in "${SERVICES[@]}"; do
        [[ -f "$RUN_DIR/$svc.pid" ]] || continue
        pid="$(cat "$RUN_DIR/$svc.pid")"
        # The service's process group (pid = group id) holds it and its task processes.
        if kill -0 -- "-$pid" 2>/dev/null; then
            kill -TERM -- "-$pid" 2>/dev/null || true
            for i in $(seq 1 30); do
                kill -0 -- "-$pid" 2>/dev/null || break
                sleep 1
            done
            kill -KILL -- "-$pid" 2>/dev/null || true
            echo "stopped $svc (pid $pid)"
        fi
        rm -f "$RUN_DIR/$svc.pid"
    done
}

status() {
    local svc
    for svc in "${SERVICES[@]}"; do
        if pid_alive "$svc"; then echo "$svc: running (pid $(cat "$RUN_DIR/$svc.pid"))"
        else echo "$svc: stopped"; fi
    done
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac
