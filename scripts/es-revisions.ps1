# Windows twin of scripts/es-revisions.sh (PowerShell 7): deactivates Elasticsearch revisions so that a
# new one can take the node lock on the shared data directory. The container app runs in Multiple
# revision mode; see the POSIX script for the reasons and microsoft/azure-container-apps issue 1011.
#   es-revisions.ps1 all   (services.elasticsearch.hooks.predeploy) every active revision
#   es-revisions.ps1 old   (hooks.postprovision) every active revision except the latest
# Reads AZURE_RESOURCE_GROUP and ELASTICSEARCH_APP_NAME; needs the Azure CLI, logged in.
param([Parameter(Mandatory = $true)][ValidateSet('all', 'old')][string] $Mode)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$app = [Environment]::GetEnvironmentVariable('ELASTICSEARCH_APP_NAME')
$group = [Environment]::GetEnvironmentVariable('AZURE_RESOURCE_GROUP')
if ([string]::IsNullOrEmpty($app)) {
    Write-Output 'es-revisions: no Elasticsearch container app in this environment (ELASTICSEARCH_APP_NAME is empty); nothing to do'
    exit 0
}
if ([string]::IsNullOrEmpty($group)) {
    Write-Error 'es-revisions: AZURE_RESOURCE_GROUP is not set'
    exit 1
}
if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
    Write-Error 'es-revisions: the Azure CLI (az) is needed to deactivate the running Elasticsearch revision; install it and log in (az login)'
    exit 1
}

az account show --output none *> $null
if ($LASTEXITCODE -ne 0) {
    Write-Error 'es-revisions: the Azure CLI is not logged in (az login; pipelines: see docs/deploy-azure.md)'
    exit 1
}
az containerapp show --resource-group $group --name $app --query name --output tsv *> $null
if ($LASTEXITCODE -ne 0) {
    Write-Output "es-revisions: container app $app does not exist yet; nothing to deactivate"
    exit 0
}

$keep = ''
if ($Mode -eq 'old') {
    $keep = az containerapp show --resource-group $group --name $app --query properties.latestRevisionName --output tsv
}
$active = @(az containerapp revision list --resource-group $group --name $app --query '[?properties.active].name' --output tsv)

$count = 0
foreach ($revision in $active) {
    if ([string]::IsNullOrWhiteSpace($revision) -or $revision -eq $keep) { continue }
    Write-Output "es-revisions: deactivating $revision (it holds Elasticsearch's data directory)"
    az containerapp revision deactivate --resource-group $group --name $app --revision $revision --output none
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    $count++
}
if ($count -eq 0) {
    Write-Output 'es-revisions: no revision to deactivate'
} elseif ($Mode -eq 'all') {
    Write-Output 'es-revisions: Elasticsearch is stopped until the new revision is ready (usually a few minutes)'
}
