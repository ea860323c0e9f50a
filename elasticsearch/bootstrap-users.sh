#!/usr/bin/env bash
# Creates or updates the two least-privilege Elasticsearch users of the product, from inside the
# container (azd hooks run outside the virtual network and cannot reach this private node):
#   copilot_writer  - the collector: creates, writes, reads and manages the <prefix>* indices
#   grafana_reader  - Grafana's datasource: reads <prefix>* only
# Runs in the background on every start (see entrypoint.sh): it waits for the node, then PUTs the roles
# and users. PUT is create-or-update, so a restart is idempotent and picks up rotated passwords.
#
# Environment (passwords come from Key Vault references of the container app):
#   ELASTIC_PASSWORD          password of the built-in superuser `elastic` (seeded on first start)
#   COPILOT_WRITER_PASSWORD   password to give copilot_writer
#   GRAFANA_READER_PASSWORD   password to give grafana_reader
#   INDEX_PREFIX              index prefix the roles cover (default copilot_)
#   ES_LOCAL_URL              where the node listens (default http://127.0.0.1:9200)
#   BOOTSTRAP_TIMEOUT_SECONDS how long to wait for the node (default 900)
#   BOOTSTRAP_RETRY_SECONDS   pause between attempts (default 5)
# No password is ever printed or put on a command line (curl reads them from a private file / stdin).
set -euo pipefail

log() { printf 'bootstrap-users: %s\n' "$*" >&2; }
fail() { log "ERROR: $*"; exit 1; }

es_url="${ES_LOCAL_URL:-http://127.0.0.1:9200}"
prefix="${INDEX_PREFIX:-copilot_}"
timeout_seconds="${BOOTSTRAP_TIMEOUT_SECONDS:-900}"
retry_seconds="${BOOTSTRAP_RETRY_SECONDS:-5}"

[[ "${timeout_seconds}" =~ ^[0-9]+$ ]] || fail "BOOTSTRAP_TIMEOUT_SECONDS must be a whole number of seconds"
[[ "${retry_seconds}" =~ ^[0-9]+([.][0-9]+)?$ ]] || fail "BOOTSTRAP_RETRY_SECONDS must be a number of seconds"

for name in ELASTIC_PASSWORD COPILOT_WRITER_PASSWORD GRAFANA_READER_PASSWORD; do
    [[ -n "${!name:-}" ]] || fail "${name} is not set; it must come from the Key Vault secret of the same purpose"
done

# Same rule as copilot_usage/settings.py: it also keeps the prefix safe to place inside JSON.
[[ "${prefix}" =~ ^[a-z0-9][a-z0-9_-]{0,49}$ ]] \
    || fail "INDEX_PREFIX must be lowercase letters, digits, '-' or '_' and start with a letter or digit"

json_string() {
    # JSON-quotes $1 (callers have already refused control characters, which need \u escapes).
    local value="$1"
    value="${value//\\/\\\\}"
    value="${value//\"/\\\"}"
    printf '"%s"' "${value}"
}

for name in ELASTIC_PASSWORD COPILOT_WRITER_PASSWORD GRAFANA_READER_PASSWORD; do
    [[ ! "${!name}" =~ [[:cntrl:]] ]] || fail "${name} contains control characters"
done

workdir="$(mktemp -d)"
chmod 700 "${workdir}"
trap 'rm -rf "${workdir}"' EXIT

# curl reads the superuser's credentials from this private file, never from its command line.
auth_file="${workdir}/curl.conf"
(
    umask 077
    escaped="${ELASTIC_PASSWORD//\\/\\\\}"
    escaped="${escaped//\"/\\\"}"
    printf 'user = "elastic:%s"\n' "${escaped}" > "${auth_file}"
)

# request METHOD PATH [BODY]: prints the HTTP status (000 when there is no answer); the response body
# is left in ${workdir}/response. The body goes through stdin, so it is not visible in `ps` either.
request() {
    local method="$1" path="$2" body="${3-}" status=""
    local -a args=(--silent --max-time 30 --config "${auth_file}"
        --output "${workdir}/response" --write-out '%{http_code}'
        --request "${method}" --header 'Content-Type: application/json')
    : > "${workdir}/response"
    if [[ -n "${body}" ]]; then
        status="$(printf '%s' "${body}" | curl "${args[@]}" --data-binary @- "${es_url}${path}" 2>/dev/null)" || true
    else
        status="$(curl "${args[@]}" "${es_url}${path}" 2>/dev/null)" || true
    fi
    printf '%s' "${status:-000}"
}

wait_for_node() {
    local deadline=$((SECONDS + timeout_seconds)) status unauthorized=0
    while :; do
        status="$(request GET /_security/_authenticate)"
        case "${status}" in
            200) return 0 ;;
            401)
                # A fresh node may refuse briefly while the security index starts; a steady 401 means
                # the elastic password in Key Vault is not the one the node was first started with.
                unauthorized=$((unauthorized + 1))
                if ((unauthorized >= 5)); then
                    fail "the node rejects the elastic password (HTTP 401). It only seeds 'elastic' on its first start: after rotating the Key Vault secret, also change it with POST /_security/user/elastic/_password"
                fi
                ;;
            *) unauthorized=0 ;;
        esac
        if ((SECONDS >= deadline)); then
            fail "Elasticsearch at ${es_url} did not become ready within ${timeout_seconds}s (last HTTP status ${status})"
        fi
        sleep "${retry_seconds}"
    done
}

put() {
    local what="$1" path="$2" body="$3" status
    status="$(request PUT "${path}" "${body}")"
    if [[ "${status}" != "200" ]]; then
        # The response never contains the password we sent; its error type and reason are useful.
        fail "${what}: HTTP ${status}: $(head -c 500 "${workdir}/response" 2>/dev/null | tr -d '\n')"
    fi
    log "${what}: ok"
}

indices="$(json_string "${prefix}*")"
# The collector also reads its own indices (the ingestion log decides what to fetch next).
writer_role="{\"cluster\":[\"monitor\",\"manage_index_templates\"],\"indices\":[{\"names\":[${indices}],\"privileges\":[\"create_index\",\"write\",\"manage\",\"view_index_metadata\",\"read\"]}]}"
reader_role="{\"cluster\":[\"monitor\"],\"indices\":[{\"names\":[${indices}],\"privileges\":[\"read\",\"view_index_metadata\"]}]}"

user_body() {
    # user_body ROLE FULL_NAME PASSWORD_VARIABLE
    printf '{"password":%s,"roles":["%s"],"full_name":"%s"}' "$(json_string "${!3}")" "$1" "$2"
}

log "waiting for Elasticsearch at ${es_url}"
wait_for_node
put "role copilot_writer" /_security/role/copilot_writer "${writer_role}"
put "role grafana_reader" /_security/role/grafana_reader "${reader_role}"
put "user copilot_writer" /_security/user/copilot_writer \
    "$(user_body copilot_writer 'Copilot usage collector' COPILOT_WRITER_PASSWORD)"
put "user grafana_reader" /_security/user/grafana_reader \
    "$(user_body grafana_reader 'Grafana datasource' GRAFANA_READER_PASSWORD)"
log "done: copilot_writer and grafana_reader are ready for indices ${prefix}*"
