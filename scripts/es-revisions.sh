#!/bin/sh
# Deactivates Elasticsearch revisions so that a new one can take the node lock on the shared data
# directory (scripts/es-revisions.ps1 is the Windows twin). The container app runs in Multiple revision
# mode (infra/modules/elasticsearch.bicep): Container Apps then leaves the old revision running next to
# the new one, and the new one cannot start while the old one holds the lock (microsoft/azure-container-apps
# issue 1011). Called by azd (azure.yaml):
#
#   es-revisions.sh all      services.elasticsearch.hooks.predeploy: stop every active revision before
#                            `azd deploy` rolls out the new image. Elasticsearch is down from here until
#                            the new revision passes its startup probe (a few minutes).
#   es-revisions.sh old      hooks.postprovision: after `azd provision`, stop every active revision except
#                            the latest. Nothing happens when provisioning created no new revision.
#
# Reads AZURE_RESOURCE_GROUP and ELASTICSEARCH_APP_NAME (outputs of infra/main.bicep kept by azd). Without
# an app name (first provision not done yet, or an external cluster) there is nothing to do.
# Needs the Azure CLI, logged in (the pipelines log it in). AZ overrides the command (tests).
set -eu

mode="${1:-}"
case "$mode" in
    all | old) ;;
    *)
        echo "usage: $0 all|old" >&2
        exit 64
        ;;
esac

app="${ELASTICSEARCH_APP_NAME:-}"
group="${AZURE_RESOURCE_GROUP:-}"
if [ -z "$app" ]; then
    echo "es-revisions: no Elasticsearch container app in this environment (ELASTICSEARCH_APP_NAME is empty); nothing to do"
    exit 0
fi
if [ -z "$group" ]; then
    echo "es-revisions: AZURE_RESOURCE_GROUP is not set" >&2
    exit 1
fi

az="${AZ:-az}"
if ! command -v "$az" >/dev/null 2>&1; then
    echo "es-revisions: the Azure CLI (az) is needed to deactivate the running Elasticsearch revision; install it and log in (az login)" >&2
    exit 1
fi

if ! "$az" account show --output none >/dev/null 2>&1; then
    echo "es-revisions: the Azure CLI is not logged in (az login; pipelines: see docs/deploy-azure.md)" >&2
    exit 1
fi

# The app does not exist yet on the very first deployment of an environment.
if ! "$az" containerapp show --resource-group "$group" --name "$app" --query name --output tsv >/dev/null 2>&1; then
    echo "es-revisions: container app $app does not exist yet; nothing to deactivate"
    exit 0
fi

keep=""
if [ "$mode" = old ]; then
    keep="$("$az" containerapp show --resource-group "$group" --name "$app" \
        --query properties.latestRevisionName --output tsv)"
fi

active="$("$az" containerapp revision list --resource-group "$group" --name "$app" \
    --query "[?properties.active].name" --output tsv)"

count=0
for revision in $active; do
    if [ "$revision" = "$keep" ]; then
        continue
    fi
    echo "es-revisions: deactivating $revision (it holds Elasticsearch's data directory)"
    "$az" containerapp revision deactivate --resource-group "$group" --name "$app" --revision "$revision" --output none
    count=$((count + 1))
done

if [ "$count" -eq 0 ]; then
    echo "es-revisions: no revision to deactivate"
elif [ "$mode" = all ]; then
    echo "es-revisions: Elasticsearch is stopped until the new revision is ready (usually a few minutes)"
fi
