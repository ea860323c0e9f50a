# azd preprovision hook for Windows (PowerShell 7); scripts/preprovision.sh is the POSIX twin and the two
# must check the same things. Reports every problem at once, naming the variable to set. The classic
# deployment's names keep working: GH_PAT, GH_ORGANIZATION_SLUGS, GH_ENTERPRISE_SLUGS,
# AZURE_AUTHENTICATION_*, AZURE_ROLE_ASSIGNMENTS. Secret values are never printed.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$problems = [System.Collections.Generic.List[string]]::new()
function Add-Problem([string] $Message) { $problems.Add($Message) }

# Value of a variable, or of its fallback when the first is empty (as ${A=${B}} in main.parameters.json).
$cleared = @{}
function Get-Setting([string] $Name, [string] $Fallback = '') {
    $v = if ($cleared.ContainsKey($Name)) { '' } else { [Environment]::GetEnvironmentVariable($Name) }
    if ([string]::IsNullOrEmpty($v) -and $Fallback) {
        $v = if ($cleared.ContainsKey($Fallback)) { '' } else { [Environment]::GetEnvironmentVariable($Fallback) }
    }
    if ($null -eq $v) { return '' }
    return $v
}
function Get-Source([string] $Name, [string] $Fallback) {
    if ([string]::IsNullOrEmpty((Get-Setting $Name))) { return $Fallback }
    return $Name
}

# Azure Pipelines leaves an undefined $(NAME) macro as literal text in the step's environment.
$macroChecked = 'GITHUB_PAT', 'GH_PAT', 'GITHUB_APP_PRIVATE_KEY', 'GH_APP_PRIVATE_KEY', 'GITHUB_APP_ID', 'GH_APP_ID',
    'GITHUB_APP_INSTALLATION_ID', 'GH_APP_INSTALLATION_ID', 'ORGANIZATION_SLUGS', 'GH_ORGANIZATION_SLUGS',
    'ENTERPRISE_SLUGS', 'GH_ENTERPRISE_SLUGS', 'ELASTIC_PASSWORD', 'ES_WRITER_PASSWORD', 'ES_READER_PASSWORD',
    'GRAFANA_ADMIN_PASSWORD', 'AUTH_CLIENT_ID', 'AZURE_AUTHENTICATION_CLIENT_ID', 'GRAFANA_AUTH_CLIENT_ID', 'GH_API_URL',
    'EXTERNAL_ELASTICSEARCH_URL', 'EXTERNAL_ELASTICSEARCH_API_KEY', 'EXTERNAL_ELASTICSEARCH_READER_API_KEY'
foreach ($name in $macroChecked) {
    if ((Get-Setting $name) -cmatch '^\$\([A-Za-z_][A-Za-z0-9_.]*\)$') {
        Add-Problem "$name holds an unresolved Azure Pipelines macro: define that pipeline variable, or remove the mapping from the pipeline"
        $cleared[$name] = $true
    }
}

# --- what to collect ---------------------------------------------------------------------------------
$orgs = Get-Setting 'ORGANIZATION_SLUGS' 'GH_ORGANIZATION_SLUGS'
$enterprises = Get-Setting 'ENTERPRISE_SLUGS' 'GH_ENTERPRISE_SLUGS'
if ((($orgs + $enterprises) -replace '[,\s]', '') -eq '') {
    Add-Problem 'no scope: set ORGANIZATION_SLUGS (or GH_ORGANIZATION_SLUGS) and/or ENTERPRISE_SLUGS to comma-separated slugs, e.g. azd env set ORGANIZATION_SLUGS my-org'
}
function Test-Slugs([string] $Source, [string] $List) {
    foreach ($item in $List.Split(',')) {
        $slug = $item.Trim()
        if ($slug -and $slug -cnotmatch '^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$') {
            Add-Problem "$Source has an invalid slug '$slug': use letters, digits, '-' or '_'"
        }
    }
}
Test-Slugs (Get-Source 'ORGANIZATION_SLUGS' 'GH_ORGANIZATION_SLUGS') $orgs
Test-Slugs (Get-Source 'ENTERPRISE_SLUGS' 'GH_ENTERPRISE_SLUGS') $enterprises

# --- GitHub credential -------------------------------------------------------------------------------
$pat = Get-Setting 'GITHUB_PAT' 'GH_PAT'
$appId = Get-Setting 'GITHUB_APP_ID' 'GH_APP_ID'
$installationId = Get-Setting 'GITHUB_APP_INSTALLATION_ID' 'GH_APP_INSTALLATION_ID'
$appKey = Get-Setting 'GITHUB_APP_PRIVATE_KEY' 'GH_APP_PRIVATE_KEY'

if ($pat -and $pat -match '\s') {
    Add-Problem "$(Get-Source 'GITHUB_PAT' 'GH_PAT') contains white space; set the token alone"
}
if ($appId -or $installationId -or $appKey) {
    if (-not $appId) { Add-Problem 'a GitHub App is partly configured: set GITHUB_APP_ID (or GH_APP_ID)' }
    if (-not $installationId) { Add-Problem 'a GitHub App is partly configured: set GITHUB_APP_INSTALLATION_ID (or GH_APP_INSTALLATION_ID)' }
    if (-not $appKey) { Add-Problem "a GitHub App is partly configured: set GITHUB_APP_PRIVATE_KEY (or GH_APP_PRIVATE_KEY) to the app's PEM private key" }
    if ($appId -and $appId -notmatch '^[0-9]+$') {
        Add-Problem "$(Get-Source 'GITHUB_APP_ID' 'GH_APP_ID') must be the numeric App id"
    }
    if ($installationId -and $installationId -notmatch '^[0-9]+$') {
        Add-Problem "$(Get-Source 'GITHUB_APP_INSTALLATION_ID' 'GH_APP_INSTALLATION_ID') must be the numeric installation id"
    }
    if ($appKey -and -not $appKey.Contains('PRIVATE KEY')) {
        Add-Problem "$(Get-Source 'GITHUB_APP_PRIVATE_KEY' 'GH_APP_PRIVATE_KEY') is not a PEM private key (expected '-----BEGIN ... PRIVATE KEY-----')"
    }
}
elseif (-not $pat) {
    Add-Problem 'no GitHub credential: set GITHUB_PAT (or GH_PAT) with azd env set GITHUB_PAT <token>, or a GitHub App (GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID, GITHUB_APP_PRIVATE_KEY)'
}

# --- simple settings ---------------------------------------------------------------------------------
foreach ($name in 'AZURE_ROLE_ASSIGNMENTS', 'AZURE_AUTHENTICATION_ENABLED', 'CREATE_APP_REGISTRATION', 'KEY_VAULT_PURGE_PROTECTION',
    'PRIVATE_ENDPOINTS', 'NAT_GATEWAY', 'ELASTICSEARCH_BACKUPS') {
    $v = Get-Setting $name
    if ($v -and $v -cnotin @('true', 'false')) { Add-Problem "$name must be true or false" }
}
function Test-Pattern([string] $Name, [string] $Pattern, [string] $Message) {
    $v = Get-Setting $Name
    if ($v -and $v -cnotmatch $Pattern) { Add-Problem "$Name $Message" }
}
Test-Pattern 'INDEX_PREFIX' '^[a-z0-9][a-z0-9_-]{0,49}$' "must be lowercase letters, digits, '-' or '_' and start with a letter or digit"
Test-Pattern 'LATE_WINDOW_DAYS' '^([0-9]|[1-5][0-9]|60)$' 'must be a whole number from 0 to 60'
Test-Pattern 'MAX_CONCURRENCY' '^([1-9]|[12][0-9]|3[0-2])$' 'must be a whole number from 1 to 32'
Test-Pattern 'BACKFILL_START' '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' 'must be a date as YYYY-MM-DD'
Test-Pattern 'LOG_LEVEL' '^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$' 'must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL'
Test-Pattern 'COLLECT_SCHEDULE' '^[^ ]+( [^ ]+){5}$' "must be an NCRONTAB expression with six fields (seconds first), e.g. '0 5 * * * *'"
# GH_API_URL first: inside GitHub Actions, GITHUB_API_URL is the runner's own variable (main.parameters.json).
Test-Pattern 'GH_API_URL' '^https?://[^ ]+$' 'must be a URL starting with https://'
Test-Pattern 'GITHUB_API_URL' '^https?://[^ ]+$' 'must be a URL starting with https://'
Test-Pattern 'AZURE_PRINCIPAL_TYPE' '^(User|ServicePrincipal|Group)$' 'must be User, ServicePrincipal or Group'
Test-Pattern 'SNAPSHOT_SCHEDULE' '^[0-9A-Za-z*?/,# -]+$' "must be an Elasticsearch cron expression such as '0 30 1 * * ?'"
foreach ($name in 'SNAPSHOT_RETENTION_DAYS', 'SNAPSHOT_MIN_COUNT', 'SNAPSHOT_MAX_COUNT') {
    Test-Pattern $name '^[1-9][0-9]{0,3}$' 'must be a whole number from 1 to 9999'
}
Test-Pattern 'SNAPSHOT_STORAGE_SKU' '^Standard_(LRS|ZRS|GRS)$' 'must be Standard_LRS, Standard_ZRS or Standard_GRS'

# --- an existing Elasticsearch cluster -----------------------------------------------------------------
$esUrl = Get-Setting 'EXTERNAL_ELASTICSEARCH_URL'
if ($esUrl) {
    if ($esUrl -cnotmatch '^https://[^ /]+(:[0-9]+)?/?$') {
        Add-Problem "EXTERNAL_ELASTICSEARCH_URL must be the cluster's https:// URL (scheme, host and optional port only)"
    }
    if (-not (Get-Setting 'EXTERNAL_ELASTICSEARCH_API_KEY')) {
        Add-Problem 'EXTERNAL_ELASTICSEARCH_URL is set but EXTERNAL_ELASTICSEARCH_API_KEY is not: the collector needs an API key (docs/deploy-azure.md, existing cluster)'
    }
    foreach ($name in 'EXTERNAL_ELASTICSEARCH_API_KEY', 'EXTERNAL_ELASTICSEARCH_READER_API_KEY') {
        $v = Get-Setting $name
        if ($v -and $v -match '\s') { Add-Problem "$name contains white space; set the encoded API key alone" }
    }
}
elseif (Get-Setting 'EXTERNAL_ELASTICSEARCH_API_KEY') {
    Add-Problem 'EXTERNAL_ELASTICSEARCH_API_KEY is set but EXTERNAL_ELASTICSEARCH_URL is not'
}

foreach ($name in 'VNET_ADDRESS_PREFIX', 'PRIVATE_ENV_SUBNET_PREFIX', 'PUBLIC_ENV_SUBNET_PREFIX', 'FUNCTION_SUBNET_PREFIX',
    'PRIVATE_ENDPOINT_SUBNET_PREFIX') {
    Test-Pattern $name '^([0-9]{1,3}[.]){3}[0-9]{1,3}/[0-9]{1,2}$' 'must be an address range like 10.60.0.0/16'
}

# --- Grafana sign-in ---------------------------------------------------------------------------------
$guid = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
# Same order as authClientId in main.parameters.json; GRAFANA_AUTH_CLIENT_ID is the registration an
# earlier provision created (an output), which pipelines and later provisions reuse.
$clientId = Get-Setting 'AUTH_CLIENT_ID' 'AZURE_AUTHENTICATION_CLIENT_ID'
$clientSource = Get-Source 'AUTH_CLIENT_ID' 'AZURE_AUTHENTICATION_CLIENT_ID'
if (-not $clientId) {
    $clientId = Get-Setting 'GRAFANA_AUTH_CLIENT_ID'
    $clientSource = 'GRAFANA_AUTH_CLIENT_ID'
}
if ($clientId -and $clientId -notmatch $guid) {
    Add-Problem "$clientSource must be the application (client) id, a GUID"
}
Test-Pattern 'AZURE_AUTHENTICATION_OPEN_ID_ISSUER' '^https://[^/]+/[0-9a-fA-F-]{36}(/v2\.0)?/?$' 'must look like https://login.microsoftonline.com/<tenant id>/v2.0'
Test-Pattern 'GRAFANA_ALLOWED_GROUPS' '^[0-9a-fA-F-]{36}(,[0-9a-fA-F-]{36})*$' 'must be comma-separated group object ids'
if ((Get-Setting 'AZURE_AUTHENTICATION_ENABLED') -ne 'false' -and (Get-Setting 'CREATE_APP_REGISTRATION') -eq 'false' -and -not $clientId) {
    Add-Problem 'Grafana sign-in needs an app registration: set AUTH_CLIENT_ID (or AZURE_AUTHENTICATION_CLIENT_ID) to an existing one, or CREATE_APP_REGISTRATION=true (see docs/deploy-azure.md)'
}
# Cross-tenant sign-in: the automatic registration is single-tenant in the deployment's tenant, like
# Grafana's managed identity; infra/main.bicep refuses the same combination with fail().
$issuer = Get-Setting 'AZURE_AUTHENTICATION_OPEN_ID_ISSUER'
$deployTenant = Get-Setting 'AZURE_TENANT_ID'
if ($issuer -and $deployTenant -and -not $clientId -and (Get-Setting 'AZURE_AUTHENTICATION_ENABLED') -ne 'false' -and (Get-Setting 'CREATE_APP_REGISTRATION') -ne 'false') {
    $issuerTenant = ($issuer.Split('/') + @('', '', '', ''))[3]
    if ($issuerTenant.ToLowerInvariant() -ne $deployTenant.ToLowerInvariant()) {
        Add-Problem 'AZURE_AUTHENTICATION_OPEN_ID_ISSUER names another tenant than the deployment''s (AZURE_TENANT_ID): the automatic app registration is single-tenant and cannot sign those users in. Leave the issuer empty, or register a multi-tenant app in this tenant and set AUTH_CLIENT_ID (docs/deploy-azure.md, cross-tenant sign-in)'
    }
}

# --- generated passwords in pipelines ----------------------------------------------------------------
# Locally azd generates these once and keeps them in .azure/<env>/config.json. A pipeline has no such
# file: without the secrets it would generate new passwords on every run and lock Elasticsearch out.
$inPipeline = [bool]$env:TF_BUILD -or [bool]$env:GITHUB_ACTIONS -or $env:CI -eq 'true'
foreach ($name in 'ELASTIC_PASSWORD', 'ES_WRITER_PASSWORD', 'ES_READER_PASSWORD', 'GRAFANA_ADMIN_PASSWORD') {
    $v = Get-Setting $name
    if (-not $v) {
        if ($inPipeline) {
            Add-Problem "$name is not set: in a pipeline it must come from a secret (azd pipeline config copies it; see docs/deploy-azure.md)"
        }
    }
    elseif ($v.Length -lt 16 -or $v -match '\s') {
        Add-Problem "$name must be at least 16 characters without white space"
    }
}

if ($problems.Count -gt 0) {
    [Console]::Error.WriteLine('preprovision: the deployment cannot start:')
    foreach ($p in $problems) { [Console]::Error.WriteLine("  - $p") }
    exit 1
}

$credential = if ($appId) { "GitHub App $appId" } else { 'personal access token' }
$signin = if ((Get-Setting 'AZURE_AUTHENTICATION_ENABLED') -eq 'false') { 'local admin only (Entra ID sign-in is off)' }
    elseif ($clientId) { "Microsoft Entra ID, existing app registration $clientId" }
    else { 'Microsoft Entra ID' }
Write-Output 'preprovision: ok'
Write-Output "  organizations: $(if ($orgs) { $orgs } else { '-' })"
Write-Output "  enterprises:   $(if ($enterprises) { $enterprises } else { '-' })"
Write-Output "  credential:    $credential (stored in Key Vault)"
Write-Output "  Grafana:       $signin"
