#!/bin/sh
# azd hook services.elasticsearch.hooks.predeploy (azure.yaml): stop every active Elasticsearch revision
# before the new image rolls out. A file, not an inline command, so azd resolves it from the service path.
set -eu
exec sh "$(dirname "$0")/es-revisions.sh" all
