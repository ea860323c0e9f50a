#!/bin/sh
# Starts Grafana through the official image's /run.sh, adjusting the provisioning tree only when asked:
# - ALERT_WEBHOOK_URL set: adds the alert contact point. Grafana expands $ALERT_WEBHOOK_URL in provisioning
#   files, but a contact point with an empty URL can stop it from starting, so the webhook file lives
#   outside the provisioning tree and is copied in only when the variable is set.
# - ELASTICSEARCH_API_KEY set (an existing cluster): provisions the datasources that send the API key
#   (Authorization: ApiKey ...) instead of those with grafana_reader's user and password.
# The image's provisioning directory is read-only for the grafana user: the tree is copied to a temporary
# directory and GF_PATHS_PROVISIONING points at the copy. Values are never echoed: webhook URLs and keys
# are secrets.
#
# Overridable for tests: GRAFANA_RUN_SH (default /run.sh), GF_PATHS_PROVISIONING (the image's tree),
# ALERT_OPTIONAL_DIR (default /etc/grafana/alerting-optional), API_KEY_DATASOURCES_DIR (default
# /etc/grafana/datasources-apikey), TMPDIR (where the copy goes).
set -eu

run_sh="${GRAFANA_RUN_SH:-/run.sh}"

if [ -z "${ALERT_WEBHOOK_URL:-}" ] && [ -z "${ELASTICSEARCH_API_KEY:-}" ]; then
  exec "$run_sh" "$@"
fi

source_dir="${GF_PATHS_PROVISIONING:-/etc/grafana/provisioning}"
optional_dir="${ALERT_OPTIONAL_DIR:-/etc/grafana/alerting-optional}"
api_key_dir="${API_KEY_DATASOURCES_DIR:-/etc/grafana/datasources-apikey}"

if [ -n "${ALERT_WEBHOOK_URL:-}" ]; then
  case "$ALERT_WEBHOOK_URL" in
    http://?* | https://?*) ;;
    *)
      echo "entrypoint: ALERT_WEBHOOK_URL must be an http:// or https:// URL (value not shown)" >&2
      exit 64
      ;;
  esac
  if [ ! -f "$optional_dir/webhook.yaml" ]; then
    echo "entrypoint: $optional_dir/webhook.yaml is missing from the image" >&2
    exit 66
  fi
fi
if [ -n "${ELASTICSEARCH_API_KEY:-}" ] && [ ! -f "$api_key_dir/elasticsearch.yaml" ]; then
  echo "entrypoint: $api_key_dir/elasticsearch.yaml is missing from the image" >&2
  exit 66
fi

target_dir="$(mktemp -d "${TMPDIR:-/tmp}/grafana-provisioning.XXXXXX")"
cp -R "$source_dir/." "$target_dir/"

if [ -n "${ALERT_WEBHOOK_URL:-}" ]; then
  mkdir -p "$target_dir/alerting"
  cp "$optional_dir/webhook.yaml" "$target_dir/alerting/contact-point-webhook.yaml"
  echo "entrypoint: alerts go to the webhook contact point" >&2
fi
if [ -n "${ELASTICSEARCH_API_KEY:-}" ]; then
  mkdir -p "$target_dir/datasources"
  cp "$api_key_dir/elasticsearch.yaml" "$target_dir/datasources/elasticsearch.yaml"
  echo "entrypoint: the Elasticsearch datasources authenticate with an API key" >&2
fi

GF_PATHS_PROVISIONING="$target_dir"
export GF_PATHS_PROVISIONING
echo "entrypoint: provisioning from $target_dir" >&2
exec "$run_sh" "$@"
