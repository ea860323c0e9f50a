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
# Backups (optional; all set by infra/modules/elasticsearch.bicep when backups are on):
#   SNAPSHOT_ACCOUNT          storage account of the snapshot repository (empty: no backups configured)
#   SNAPSHOT_CONTAINER        its blob container (default es-snapshots)
#   SNAPSHOT_REPOSITORY       repository name (default azure-backups)
#   SNAPSHOT_SCHEDULE         SLM cron expression, UTC (default '0 30 1 * * ?', daily at 01:30)
#   SNAPSHOT_RETENTION_DAYS   delete snapshots older than this (default 30) ...
#   SNAPSHOT_MIN_COUNT        ... but always keep this many (default 7)
#   SNAPSHOT_MAX_COUNT        and never more than this many (default 60)
# The repository and the snapshot lifecycle (SLM) policy are PUT on every start, like the users, so a
# changed schedule or retention takes effect on the next restart. docs/operations.md: restore.
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

snapshot_account="${SNAPSHOT_ACCOUNT:-}"
snapshot_container="${SNAPSHOT_CONTAINER:-es-snapshots}"
snapshot_repository="${SNAPSHOT_REPOSITORY:-azure-backups}"
snapshot_schedule="${SNAPSHOT_SCHEDULE:-0 30 1 * * ?}"
retention_days="${SNAPSHOT_RETENTION_DAYS:-30}"
min_count="${SNAPSHOT_MIN_COUNT:-7}"
max_count="${SNAPSHOT_MAX_COUNT:-60}"
if [[ -n "${snapshot_account}" ]]; then
    # Checked here because these values are placed inside JSON bodies.
    [[ "${snapshot_account}" =~ ^[a-z0-9]{3,24}$ ]] || fail "SNAPSHOT_ACCOUNT must be a storage account name"
    [[ "${snapshot_container}" =~ ^[a-z0-9]([a-z0-9-]{1,61}[a-z0-9])$ ]] || fail "SNAPSHOT_CONTAINER must be a blob container name"
    [[ "${snapshot_repository}" =~ ^[a-z0-9][a-z0-9_-]{0,63}$ ]] || fail "SNAPSHOT_REPOSITORY must be lowercase letters, digits, '-' or '_'"
    [[ "${snapshot_schedule}" =~ ^[0-9A-Za-z*?/,#\ -]+$ ]] || fail "SNAPSHOT_SCHEDULE must be a cron expression such as '0 30 1 * * ?'"
    for name in retention_days min_count max_count; do
        [[ "${!name}" =~ ^[1-9][0-9]{0,3}$ ]] || fail "SNAPSHOT_${name^^} must be a whole number from 1 to 9999"
    done
    ((min_count <= max_count)) || fail "SNAPSHOT_MIN_COUNT must not exceed SNAPSHOT_MAX_COUNT"
fi

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

if [[ -z "${snapshot_account}" ]]; then
    log "no SNAPSHOT_ACCOUNT: snapshots are not configured"
    exit 0
fi
# The node reads the account from its keystore (entrypoint.sh) and authenticates with the container app's
# managed identity (AZURE_CLIENT_ID): the repository-azure module falls back to the Azure SDK's default
# credentials when no key or SAS token is configured (Elasticsearch 8.16 and later). Creating the
# repository makes Elasticsearch verify that it can write to the container.
repository_body="{\"type\":\"azure\",\"settings\":{\"client\":\"default\",\"container\":\"${snapshot_container}\",\"base_path\":\"copilot-usage\",\"compress\":true}}"
put "snapshot repository ${snapshot_repository}" "/_snapshot/${snapshot_repository}" "${repository_body}"
# Only the product's indices; users and roles are re-created by this script on every start anyway.
policy_body="{\"schedule\":\"${snapshot_schedule}\",\"name\":\"<copilot-usage-{now/d}>\",\"repository\":\"${snapshot_repository}\",\"config\":{\"indices\":[${indices}],\"include_global_state\":false,\"ignore_unavailable\":true},\"retention\":{\"expire_after\":\"${retention_days}d\",\"min_count\":${min_count},\"max_count\":${max_count}}}"
put "snapshot policy copilot-usage-daily" /_slm/policy/copilot-usage-daily "${policy_body}"
log "done: snapshots of ${prefix}* go to container ${snapshot_container} of ${snapshot_account} (schedule '${snapshot_schedule}' UTC, kept ${retention_days} days, ${min_count} to ${max_count} snapshots)"
