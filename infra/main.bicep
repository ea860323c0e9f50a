// Copilot Usage Advanced Dashboard on Azure (platform notes, option A):
//   - the collector: Function App on Flex Consumption, VNet-integrated, timer-triggered;
//   - Elasticsearch: container app in an INTERNAL Container Apps environment (VNet only), data on NFS;
//   - Grafana: container app in a PUBLIC environment, Microsoft Entra ID sign-in;
//   - Key Vault (RBAC) with every secret, a registry without admin user, storage without shared keys,
//     Log Analytics and Application Insights with local auth off, one identity per workload.
// Resource-group scope, so a principal with Contributor on one resource group can deploy it
// (with AZURE_ROLE_ASSIGNMENTS=false when it cannot assign roles).
//
// Written in the Bicep subset both offline parsers accept (tests/infra): no spread, no
// resourceInput<>, no typed variables, no multi-line ternaries that start a line with `?`.

targetScope = 'resourceGroup'

// --- azd-provided --------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('azd environment name; part of every resource name and the azd-env-name tag.')
param environmentName string

@description('Region of every resource.')
param location string = resourceGroup().location

@description('Object id of the deploying user or pipeline principal (AZURE_PRINCIPAL_ID or AZURE_USER_PRINCIPAL_ID).')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Create role assignments (AZURE_ROLE_ASSIGNMENTS). false: an Owner creates them by hand.')
param doRoleAssignments bool = true

// --- what to collect and how (copilot_usage/settings.py reads these as app settings) -------------------

@description('Comma-separated GitHub organization slugs (ORGANIZATION_SLUGS or GH_ORGANIZATION_SLUGS).')
param organizationSlugs string = ''

@description('Comma-separated GitHub enterprise slugs (ENTERPRISE_SLUGS or GH_ENTERPRISE_SLUGS).')
param enterpriseSlugs string = ''

@secure()
@description('GitHub personal access token (GITHUB_PAT or GH_PAT), stored only in Key Vault.')
param githubPat string = ''

@description('GitHub App id, when a GitHub App is used instead of a PAT.')
param githubAppId string = ''

param githubAppInstallationId string = ''

@secure()
@description('GitHub App private key (PEM), stored only in Key Vault.')
param githubAppPrivateKey string = ''

param githubApiUrl string = 'https://api.github.com'
param githubApiVersion string = '2026-03-10'

@description('Prefix of every Elasticsearch index; the least-privilege ES roles cover <prefix>* only.')
param indexPrefix string = 'copilot_'

param lateWindowDays string = '7'
param backfillStart string = ''
param maxConcurrency string = '4'

@allowed([
  'DEBUG'
  'INFO'
  'WARNING'
  'ERROR'
  'CRITICAL'
])
param logLevel string = 'INFO'

@description('When the collector runs: NCRONTAB with seconds, in UTC (Flex Consumption has no time zones).')
param collectSchedule string = '0 5 * * * *'

// --- generated secrets (azd generates them once and keeps them in .azure/<env>/config.json) -----------

@secure()
@metadata({ azd: { type: 'generate', config: { length: 32, noSpecial: true } } })
@description('Password of the Elasticsearch superuser `elastic` (ELASTIC_PASSWORD in pipelines).')
param elasticPassword string

@secure()
@metadata({ azd: { type: 'generate', config: { length: 32, noSpecial: true } } })
@description('Password of the collector\'s Elasticsearch user copilot_writer (ES_WRITER_PASSWORD).')
param elasticsearchWriterPassword string

@secure()
@metadata({ azd: { type: 'generate', config: { length: 32, noSpecial: true } } })
@description('Password of Grafana\'s Elasticsearch user grafana_reader (ES_READER_PASSWORD).')
param elasticsearchReaderPassword string

@secure()
@metadata({ azd: { type: 'generate', config: { length: 32, noSpecial: true } } })
@description('Password of Grafana\'s local admin, the break-glass account (GRAFANA_ADMIN_PASSWORD).')
param grafanaAdminPassword string

// --- Grafana sign-in -----------------------------------------------------------------------------------

@description('Microsoft Entra ID sign-in for Grafana (AZURE_AUTHENTICATION_ENABLED).')
param entraAuthEnabled bool = true

@description('Create the Entra app registration with the Microsoft Graph extension (CREATE_APP_REGISTRATION).')
param createAppRegistration bool = true

@description('Client id of an existing app registration (AUTH_CLIENT_ID or AZURE_AUTHENTICATION_CLIENT_ID).')
param authClientId string = ''

@description('OpenID issuer of the tenant users sign in from (AZURE_AUTHENTICATION_OPEN_ID_ISSUER); empty: this tenant.')
param authOpenIdIssuer string = ''

@description('Comma-separated Entra group object ids allowed into Grafana; empty: anyone with an app role.')
param grafanaAllowedGroups string = ''

@secure()
@description('Webhook URL that receives Grafana\'s alerts (ALERT_WEBHOOK_URL); empty: no contact point.')
param alertWebhookUrl string = ''

// --- platform ------------------------------------------------------------------------------------------

// Off by default: the vault's name is derived from the environment, and with purge protection on a deleted
// vault holds that name for 90 days, so `azd down` followed by `azd up` of the same environment failed.
// Soft delete stays on. Production: turn it on, knowing the name is then taken for 90 days after a
// teardown (docs/deploy-azure.md, "Teardown").
@description('Key Vault purge protection (KEY_VAULT_PURGE_PROTECTION, default false). Irreversible once on.')
param keyVaultPurgeProtection bool = false

param vnetAddressPrefix string = '10.60.0.0/16'
param privateEnvSubnetPrefix string = '10.60.0.0/23'
param publicEnvSubnetPrefix string = '10.60.2.0/23'
param functionSubnetPrefix string = '10.60.4.0/24'

@description('Private endpoints for the storage accounts (blob) and Key Vault, public access off (PRIVATE_ENDPOINTS).')
param privateEndpoints bool = false

@description('Subnet of the private endpoints (PRIVATE_ENDPOINT_SUBNET_PREFIX), used only with privateEndpoints.')
param privateEndpointSubnetPrefix string = '10.60.5.0/24'

@description('NAT gateway with one static public IP for the collector\'s outbound traffic (NAT_GATEWAY).')
param natGateway bool = false

// --- Elasticsearch: in this environment, or an existing cluster ------------------------------------------

@description('URL of an existing Elasticsearch 8.x cluster (EXTERNAL_ELASTICSEARCH_URL); empty: run one node here.')
param externalElasticsearchUrl string = ''

@secure()
@description('API key of that cluster for the collector (EXTERNAL_ELASTICSEARCH_API_KEY), stored only in Key Vault.')
param externalElasticsearchApiKey string = ''

@secure()
@description('Read-only API key for Grafana (EXTERNAL_ELASTICSEARCH_READER_API_KEY); empty: Grafana uses the collector\'s.')
param externalElasticsearchReaderApiKey string = ''

@description('Daily Elasticsearch snapshots to Blob storage (ELASTICSEARCH_BACKUPS); ignored with an external cluster.')
param elasticsearchBackups bool = true

@description('When snapshots are taken: Elasticsearch cron syntax, UTC (SNAPSHOT_SCHEDULE).')
param snapshotSchedule string = '0 30 1 * * ?'

@description('Days snapshots are kept (SNAPSHOT_RETENTION_DAYS), within SNAPSHOT_MIN_COUNT and SNAPSHOT_MAX_COUNT.')
param snapshotRetentionDays string = '30'

param snapshotMinCount string = '7'
param snapshotMaxCount string = '60'

@description('Replication of the snapshot storage (SNAPSHOT_STORAGE_SKU): Standard_LRS, Standard_ZRS or Standard_GRS.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
])
param snapshotStorageSku string = 'Standard_LRS'

@description('Set by azd once the app exists, so re-provisioning keeps the deployed image.')
param elasticsearchExists bool = false
param grafanaExists bool = false

// --- names ---------------------------------------------------------------------------------------------

var abbrs = loadJsonContent('abbreviations.json')
var token = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

var names = {
  vnet: '${abbrs.networkVirtualNetworks}${token}'
  logAnalytics: '${abbrs.operationalInsightsWorkspaces}${token}'
  applicationInsights: '${abbrs.insightsComponents}${token}'
  keyVault: '${abbrs.keyVaultVaults}${token}'
  registry: '${abbrs.containerRegistryRegistries}${token}'
  storage: '${abbrs.storageStorageAccounts}${token}'
  nfsStorage: '${abbrs.storageStorageAccounts}nfs${token}'
  backupStorage: '${abbrs.storageStorageAccounts}bak${token}'
  natGateway: '${abbrs.networkNatGateways}${token}'
  functionIdentity: '${abbrs.managedIdentityUserAssignedIdentities}func-${token}'
  elasticsearchIdentity: '${abbrs.managedIdentityUserAssignedIdentities}es-${token}'
  grafanaIdentity: '${abbrs.managedIdentityUserAssignedIdentities}grafana-${token}'
  privateEnvironment: '${abbrs.appManagedEnvironments}priv-${token}'
  publicEnvironment: '${abbrs.appManagedEnvironments}pub-${token}'
  elasticsearchApp: '${abbrs.appContainerApps}es-${token}'
  grafanaApp: '${abbrs.appContainerApps}grafana-${token}'
  plan: '${abbrs.webServerFarms}${token}'
  functionApp: '${abbrs.webSitesFunctions}${token}'
}

// One place for the Key Vault secret names: the vault, the role assignments and the apps all use them.
var secretNames = {
  githubPat: 'github-pat'
  githubAppPrivateKey: 'github-app-private-key'
  elasticPassword: 'elastic-password'
  elasticsearchWriterPassword: 'es-writer-password'
  elasticsearchReaderPassword: 'es-reader-password'
  grafanaAdminPassword: 'grafana-admin-password'
  alertWebhookUrl: 'alert-webhook-url'
  externalApiKey: 'es-external-api-key'
  externalReaderApiKey: 'es-external-reader-api-key'
}

// Bring your own Elasticsearch: with a URL, no node, NFS share, internal environment or snapshot storage
// is created here; the collector and Grafana use the cluster with API keys kept in Key Vault.
var useExternalElasticsearch = !empty(externalElasticsearchUrl)
var useBackups = elasticsearchBackups && !useExternalElasticsearch
var snapshotContainerName = 'es-snapshots'
var publicNetworkAccess = privateEndpoints ? 'Disabled' : 'Enabled'

var deploymentContainerName = 'app-package-${take(names.functionApp, 32)}'
var archiveContainerName = 'raw-reports'

// The issuer looks like https://login.microsoftonline.com/<tenant>/v2.0 (or sts.windows.net/<tenant>/):
// its first path segment is the tenant. The preprovision hook checks the shape.
var issuerTenantId = empty(authOpenIdIssuer) ? tenant().tenantId : split(authOpenIdIssuer, '/')[3]
var useGraphModule = entraAuthEnabled && createAppRegistration && empty(authClientId)
// Cross-tenant sign-in is not something the automatic registration can do: it is single-tenant and lives
// in this tenant, next to Grafana's managed identity. Refuse it here (scripts/preprovision.* says the same
// earlier when AZURE_TENANT_ID is known); docs/deploy-azure.md describes the manual multi-tenant route.
var crossTenantIsSupported = !useGraphModule || toLower(issuerTenantId) == toLower(tenant().tenantId)
var authTenantId = crossTenantIsSupported ? issuerTenantId : fail('AZURE_AUTHENTICATION_OPEN_ID_ISSUER names another tenant than the one deployed to; the automatic app registration is single-tenant. Leave the issuer empty, or register a multi-tenant app in this tenant and set AUTH_CLIENT_ID (docs/deploy-azure.md).')
var grafanaUrl = 'https://${names.grafanaApp}.${publicEnvironment.outputs.defaultDomain}'
// Where the collector and Grafana find Elasticsearch: the node here, or the external cluster.
var elasticsearchUrl = useExternalElasticsearch ? externalElasticsearchUrl : elasticsearch.outputs.url

// Before the first `azd deploy` the apps run this public image; azd then deploys the real ones.
var placeholderImage = 'mcr.microsoft.com/azuredocs/containerapps-helloworld:latest'

// --- foundation ----------------------------------------------------------------------------------------

module network 'modules/network.bicep' = {
  name: 'network'
  params: {
    name: names.vnet
    location: location
    tags: tags
    addressPrefix: vnetAddressPrefix
    privateEnvSubnetPrefix: privateEnvSubnetPrefix
    publicEnvSubnetPrefix: publicEnvSubnetPrefix
    functionSubnetPrefix: functionSubnetPrefix
    privateEndpointSubnetPrefix: privateEndpoints ? privateEndpointSubnetPrefix : ''
    natGatewayId: natGateway ? nat.outputs.id : ''
  }
}

module nat 'modules/nat-gateway.bicep' = if (natGateway) {
  name: 'nat-gateway'
  params: {
    name: names.natGateway
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
  }
}

module identities 'modules/identities.bicep' = {
  name: 'identities'
  params: {
    functionIdentityName: names.functionIdentity
    elasticsearchIdentityName: names.elasticsearchIdentity
    grafanaIdentityName: names.grafanaIdentity
    location: location
    tags: tags
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  params: {
    name: names.registry
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    archiveContainerName: archiveContainerName
    publicNetworkAccess: publicNetworkAccess
  }
}

module backupStorage 'modules/backup-storage.bicep' = if (useBackups) {
  name: 'backup-storage'
  params: {
    name: names.backupStorage
    location: location
    tags: tags
    containerName: snapshotContainerName
    skuName: snapshotStorageSku
    publicNetworkAccess: publicNetworkAccess
  }
}

module nfsStorage 'modules/nfs-storage.bicep' = if (!useExternalElasticsearch) {
  name: 'nfs-storage'
  params: {
    name: names.nfsStorage
    location: location
    tags: tags
    allowedSubnetId: network.outputs.privateEnvSubnetId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'key-vault'
  params: {
    name: names.keyVault
    location: location
    tags: tags
    enablePurgeProtection: keyVaultPurgeProtection
    publicNetworkAccess: publicNetworkAccess
    secretNames: secretNames
    githubPat: githubPat
    githubAppPrivateKey: githubAppPrivateKey
    elasticPassword: elasticPassword
    elasticsearchWriterPassword: elasticsearchWriterPassword
    elasticsearchReaderPassword: elasticsearchReaderPassword
    grafanaAdminPassword: grafanaAdminPassword
    alertWebhookUrl: alertWebhookUrl
    externalApiKey: useExternalElasticsearch ? externalElasticsearchApiKey : ''
    externalReaderApiKey: useExternalElasticsearch ? (empty(externalElasticsearchReaderApiKey) ? externalElasticsearchApiKey : externalElasticsearchReaderApiKey) : ''
  }
}

module endpoints 'modules/private-endpoints.bicep' = if (privateEndpoints) {
  name: 'private-endpoints'
  params: {
    location: location
    tags: tags
    subnetId: network.outputs.privateEndpointSubnetId
    virtualNetworkId: network.outputs.id
    blobStorageAccountIds: useBackups ? [
      storage.outputs.id
      backupStorage.outputs.id
    ] : [
      storage.outputs.id
    ]
    keyVaultId: keyVault.outputs.id
  }
}

module roleAssignments 'modules/role-assignments.bicep' = {
  name: 'role-assignments'
  params: {
    doRoleAssignments: doRoleAssignments
    keyVaultName: keyVault.outputs.name
    registryName: registry.outputs.name
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    secretNames: secretNames
    hasGithubPat: !empty(githubPat)
    hasGithubAppPrivateKey: !empty(githubAppPrivateKey)
    hasAlertWebhook: !empty(alertWebhookUrl)
    useExternalElasticsearch: useExternalElasticsearch
    backupStorageAccountName: useBackups ? names.backupStorage : ''
    backupContainerName: useBackups ? snapshotContainerName : ''
    functionPrincipalId: identities.outputs.functionPrincipalId
    elasticsearchPrincipalId: identities.outputs.elasticsearchPrincipalId
    grafanaPrincipalId: identities.outputs.grafanaPrincipalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

// --- Elasticsearch in the internal environment -----------------------------------------------------------

module privateEnvironment 'modules/container-env.bicep' = if (!useExternalElasticsearch) {
  name: 'private-environment'
  params: {
    name: names.privateEnvironment
    location: location
    tags: tags
    subnetId: network.outputs.privateEnvSubnetId
    internal: true
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
    // Elasticsearch's passwords travel inside this environment (ingress to replica): encrypt that hop too.
    peerTrafficEncryption: true
  }
}

module privateDns 'modules/private-dns.bicep' = if (!useExternalElasticsearch) {
  name: 'private-dns'
  params: {
    zoneName: privateEnvironment.outputs.defaultDomain
    staticIp: privateEnvironment.outputs.staticIp
    virtualNetworkId: network.outputs.id
    tags: tags
  }
}

module elasticsearchImage 'modules/current-image.bicep' = if (!useExternalElasticsearch) {
  name: 'elasticsearch-image'
  params: {
    name: names.elasticsearchApp
    exists: elasticsearchExists
    placeholderImage: placeholderImage
  }
}

module elasticsearch 'modules/elasticsearch.bicep' = if (!useExternalElasticsearch) {
  name: 'elasticsearch'
  params: {
    name: names.elasticsearchApp
    location: location
    tags: tags
    environmentName: privateEnvironment.outputs.name
    identityId: identities.outputs.elasticsearchIdentityId
    identityClientId: identities.outputs.elasticsearchClientId
    registryServer: registry.outputs.loginServer
    image: elasticsearchImage.outputs.image
    keyVaultUri: keyVault.outputs.uri
    elasticPasswordSecretName: secretNames.elasticPassword
    writerPasswordSecretName: secretNames.elasticsearchWriterPassword
    readerPasswordSecretName: secretNames.elasticsearchReaderPassword
    indexPrefix: indexPrefix
    nfsServer: nfsStorage.outputs.nfsServer
    nfsSharePath: nfsStorage.outputs.nfsSharePath
    allowedSourcePrefixes: [
      functionSubnetPrefix
      publicEnvSubnetPrefix
    ]
    snapshotAccountName: useBackups ? names.backupStorage : ''
    snapshotContainerName: snapshotContainerName
    snapshotSchedule: snapshotSchedule
    snapshotRetentionDays: snapshotRetentionDays
    snapshotMinCount: snapshotMinCount
    snapshotMaxCount: snapshotMaxCount
  }
  // Key Vault references and registry pulls are checked when the app is created.
  dependsOn: [
    roleAssignments
    privateDns
    backupStorage
  ]
}

// --- Grafana in the public environment -------------------------------------------------------------------

module publicEnvironment 'modules/container-env.bicep' = {
  name: 'public-environment'
  params: {
    name: names.publicEnvironment
    location: location
    tags: tags
    subnetId: network.outputs.publicEnvSubnetId
    internal: false
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

module entraApp 'modules/entra-app.bicep' = if (useGraphModule) {
  name: 'entra-app'
  params: {
    uniqueName: 'copilot-usage-grafana-${token}'
    displayName: 'Copilot Usage Dashboard (${environmentName})'
    grafanaUrl: grafanaUrl
    grafanaIdentityPrincipalId: identities.outputs.grafanaPrincipalId
    includeGroupsClaim: !empty(grafanaAllowedGroups)
    adminUserObjectId: principalType == 'User' ? principalId : ''
  }
}

module grafanaImage 'modules/current-image.bicep' = {
  name: 'grafana-image'
  params: {
    name: names.grafanaApp
    exists: grafanaExists
    placeholderImage: placeholderImage
  }
}

module grafana 'modules/grafana.bicep' = {
  name: 'grafana'
  params: {
    name: names.grafanaApp
    rootUrl: grafanaUrl
    location: location
    tags: tags
    environmentName: publicEnvironment.outputs.name
    identityId: identities.outputs.grafanaIdentityId
    identityClientId: identities.outputs.grafanaClientId
    registryServer: registry.outputs.loginServer
    image: grafanaImage.outputs.image
    keyVaultUri: keyVault.outputs.uri
    adminPasswordSecretName: secretNames.grafanaAdminPassword
    readerPasswordSecretName: useExternalElasticsearch ? secretNames.externalReaderApiKey : secretNames.elasticsearchReaderPassword
    elasticsearchAuth: useExternalElasticsearch ? 'apiKey' : 'basic'
    elasticsearchUrl: elasticsearchUrl
    indexPrefix: indexPrefix
    entraAuthEnabled: entraAuthEnabled
    authClientId: useGraphModule ? entraApp.outputs.clientId : authClientId
    authTenantId: authTenantId
    allowedGroups: grafanaAllowedGroups
    // The webhook URL usually carries a token: it lives in Key Vault and reaches Grafana as a secret.
    alertWebhookSecretName: empty(alertWebhookUrl) ? '' : secretNames.alertWebhookUrl
  }
  dependsOn: [
    roleAssignments
  ]
}

// --- the collector ---------------------------------------------------------------------------------------

// Everything copilot_usage/settings.py reads in Azure. Secrets are NOT here: only the names of the Key Vault
// secrets, read at run time with the Function's identity.
var collectorSettings = {
  ORGANIZATION_SLUGS: organizationSlugs
  ENTERPRISE_SLUGS: enterpriseSlugs
  GITHUB_API_URL: githubApiUrl
  GITHUB_API_VERSION: githubApiVersion
  KEY_VAULT_URI: keyVault.outputs.uri
  GITHUB_PAT_SECRET_NAME: secretNames.githubPat
  GITHUB_APP_ID: githubAppId
  GITHUB_APP_INSTALLATION_ID: githubAppInstallationId
  GITHUB_APP_PRIVATE_KEY_SECRET_NAME: empty(githubAppPrivateKey) ? '' : secretNames.githubAppPrivateKey
  ELASTICSEARCH_URL: elasticsearchUrl
  // The node here: user copilot_writer with its password; an external cluster: an API key. Both in Key Vault.
  ELASTICSEARCH_USERNAME: useExternalElasticsearch ? '' : 'copilot_writer'
  ELASTICSEARCH_PASSWORD_SECRET_NAME: useExternalElasticsearch ? '' : secretNames.elasticsearchWriterPassword
  ELASTICSEARCH_API_KEY_SECRET_NAME: useExternalElasticsearch ? secretNames.externalApiKey : ''
  ELASTICSEARCH_COMPAT: 'elasticsearch'
  INDEX_PREFIX: indexPrefix
  LATE_WINDOW_DAYS: lateWindowDays
  BACKFILL_START: backfillStart
  MAX_CONCURRENCY: maxConcurrency
  LOG_LEVEL: logLevel
  ARCHIVE_CONTAINER_URL: '${storage.outputs.blobEndpoint}${archiveContainerName}'
  COLLECT_SCHEDULE: collectSchedule
}

module functionApp 'modules/function.bicep' = {
  name: 'function-app'
  params: {
    planName: names.plan
    functionAppName: names.functionApp
    location: location
    tags: tags
    identityId: identities.outputs.functionIdentityId
    identityClientId: identities.outputs.functionClientId
    subnetId: network.outputs.functionSubnetId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    collectorSettings: collectorSettings
  }
  dependsOn: [
    roleAssignments
    privateDns
  ]
}

// --- outputs (become azd environment values; none of them is a secret) -----------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output ELASTICSEARCH_URL string = elasticsearchUrl
// Read by scripts/es-revisions.sh (azd hooks) to deactivate the running revision around updates; empty
// with an external cluster (the hooks then do nothing).
output ELASTICSEARCH_APP_NAME string = useExternalElasticsearch ? '' : elasticsearch.outputs.name
output ELASTICSEARCH_SNAPSHOT_STORAGE string = useBackups ? names.backupStorage : ''
// The collector's fixed outbound address (for GitHub IP allow lists) when NAT_GATEWAY is on.
output COLLECTOR_OUTBOUND_IP string = natGateway ? nat.outputs.outboundIp : ''
output GRAFANA_URL string = grafana.outputs.url
output GRAFANA_AUTH_CLIENT_ID string = useGraphModule ? entraApp.outputs.clientId : authClientId
output GRAFANA_IDENTITY_PRINCIPAL_ID string = identities.outputs.grafanaPrincipalId
output GRAFANA_REDIRECT_URI string = '${grafanaUrl}/login/azuread'
