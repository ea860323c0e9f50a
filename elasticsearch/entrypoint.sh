#!/usr/bin/env bash
# Entrypoint of the product's Elasticsearch image: starts the user bootstrap in the background, then
# hands over to the stock entrypoint (which seeds `elastic` from ELASTIC_PASSWORD on first start and
# runs the node in the foreground). tini, the image's init, stays PID 1 and reaps the finished helper.
set -euo pipefail

/usr/local/bin/bootstrap-users.sh &

exec /usr/local/bin/docker-entrypoint.sh "$@"
