#!/bin/sh
# Starts Grafana through the official image's /run.sh, adding an alert contact point only when asked.
# Grafana expands $ALERT_WEBHOOK_URL in provisioning files, but a contact point with an empty URL can stop
# it from starting, so the webhook file lives outside the provisioning tree and is copied in only when the
# variable is set. The image's provisioning directory is read-only for the grafana user: copy the tree to
# a temporary directory and point GF_PATHS_PROVISIONING at it.
#
# Overridable for tests: GRAFANA_RUN_SH (default /run.sh), GF_PATHS_PROVISIONING (the image's tree),
# ALERT_OPTIONAL_DIR (default /etc/grafana/alerting-optional), TMPDIR (where the copy goes).
set -eu

run_sh="${GRAFANA_RUN_SH:-/run.sh}"

if [ -z "${ALERT_WEBHOOK_URL:-}" ]; then
  exec "$run_sh" "$@"
fi

# Never echo the value: webhook URLs usually carry their secret in the path or query.
case "$ALERT_WEBHOOK_URL" in
  http://?* | https://?*) ;;
  *)
    echo "entrypoint: ALERT_WEBHOOK_URL must be an http:// or https:// URL (value not shown)" >&2
    exit 64
    ;;
esac

source_dir="${GF_PATHS_PROVISIONING:-/etc/grafana/provisioning}"
optional_dir="${ALERT_OPTIONAL_DIR:-/etc/grafana/alerting-optional}"
if [ ! -f "$optional_dir/webhook.yaml" ]; then
  echo "entrypoint: $optional_dir/webhook.yaml is missing from the image" >&2
  exit 66
fi

target_dir="$(mktemp -d "${TMPDIR:-/tmp}/grafana-provisioning.XXXXXX")"
cp -R "$source_dir/." "$target_dir/"
mkdir -p "$target_dir/alerting"
cp "$optional_dir/webhook.yaml" "$target_dir/alerting/contact-point-webhook.yaml"

GF_PATHS_PROVISIONING="$target_dir"
export GF_PATHS_PROVISIONING
echo "entrypoint: alerts go to the webhook contact point (provisioning from $target_dir)" >&2
exec "$run_sh" "$@"
