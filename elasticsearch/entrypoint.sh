#!/usr/bin/env bash
# Entrypoint of the product's Elasticsearch image: starts the user bootstrap in the background, then
# hands over to the stock entrypoint (which seeds `elastic` from ELASTIC_PASSWORD on first start and
# runs the node in the foreground). tini, the image's init, stays PID 1 and reaps the finished helper.
set -euo pipefail

# Snapshot repository (repository-azure, shipped with Elasticsearch 8): the storage account name is a
# secure setting, so it goes into the keystore before the node starts. No key or SAS token is added: the
# node authenticates with the container app's managed identity (docs/operations.md, backups).
if [ -n "${SNAPSHOT_ACCOUNT:-}" ]; then
    keystore="${ES_KEYSTORE_TOOL:-/usr/share/elasticsearch/bin/elasticsearch-keystore}"
    if [ ! -f "${ES_PATH_CONF:-/usr/share/elasticsearch/config}/elasticsearch.keystore" ]; then
        "${keystore}" create >/dev/null
    fi
    printf '%s' "${SNAPSHOT_ACCOUNT}" | "${keystore}" add --stdin --force azure.client.default.account
fi

/usr/local/bin/bootstrap-users.sh &

exec /usr/local/bin/docker-entrypoint.sh "$@"
