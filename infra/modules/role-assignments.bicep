// Every role assignment of the deployment, each behind doRoleAssignments (AZURE_ROLE_ASSIGNMENTS) so a
// principal without Microsoft.Authorization/roleAssignments/write can deploy; docs/deploy-azure.md lists
// what an Owner must then create by hand. Key Vault access is granted per secret, so no workload can
// read another's passwords (the collector cannot read the elastic superuser's, for example).
// principalType is always given: it avoids failures while a new identity replicates in Entra ID.

param doRoleAssignments bool

param keyVaultName string
param registryName string
param storageAccountName string
param applicationInsightsName string

@description('Secret names (see main.bicep).')
param secretNames object

param hasGithubPat bool
param hasGithubAppPrivateKey bool
param hasAlertWebhook bool = false

@description('External Elasticsearch mode: the collector and Grafana read API keys instead of passwords.')
param useExternalElasticsearch bool = false

@description('Snapshot storage account and container Elasticsearch writes to; empty: no backups.')
param backupStorageAccountName string = ''
param backupContainerName string = ''

param functionPrincipalId string
param elasticsearchPrincipalId string
param grafanaPrincipalId string

@description('The deploying user or pipeline principal; empty for none.')
param deployerPrincipalId string

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param deployerPrincipalType string

// Built-in role definition ids (platform notes A4).
var roles = {
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource githubPatSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: secretNames.githubPat
}

resource githubAppKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: secretNames.githubAppPrivateKey
}

resource elasticPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: secretNames.elasticPassword
}

resource writerPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: secretNames.elasticsearchWriterPassword
}

resource readerPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: secretNames.elasticsearchReaderPassword
}

resource grafanaAdminPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: secretNames.grafanaAdminPassword
}

resource alertWebhookSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: secretNames.alertWebhookUrl
}

resource externalApiKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: secretNames.externalApiKey
}

resource externalReaderApiKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = {
  parent: vault
  name: secretNames.externalReaderApiKey
}

resource backupStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = if (!empty(backupStorageAccountName)) {
  name: backupStorageAccountName
}

resource backupBlobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = if (!empty(backupStorageAccountName)) {
  parent: backupStorage
  name: 'default'
}

resource backupContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = if (!empty(backupStorageAccountName)) {
  parent: backupBlobService
  name: backupContainerName
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// --- Collector (Function App) ------------------------------------------------------------------------

resource functionReadsGithubPat 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (doRoleAssignments && hasGithubPat) {
  name: guid(githubPatSecret.id, functionPrincipalId, roles.keyVaultSecretsUser)
  scope: githubPatSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource functionReadsGithubAppKey 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (doRoleAssignments && hasGithubAppPrivateKey) {
  name: guid(githubAppKeySecret.id, functionPrincipalId, roles.keyVaultSecretsUser)
  scope: githubAppKeySecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource functionReadsExternalApiKey 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (doRoleAssignments && useExternalElasticsearch) {
  name: guid(externalApiKeySecret.id, functionPrincipalId, roles.keyVaultSecretsUser)
  scope: externalApiKeySecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource functionReadsWriterPassword 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (doRoleAssignments) {
  name: guid(writerPasswordSecret.id, functionPrincipalId, roles.keyVaultSecretsUser)
  scope: writerPasswordSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Host storage, deployment package and raw archive all live in this account.
resource functionOwnsBlobData 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (doRoleAssignments) {
  name: guid(storage.id, functionPrincipalId, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource functionPublishesTelemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (doRoleAssignments) {
  name: guid(applicationInsights.id, functionPrincipalId, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: functionPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// --- Elasticsearch -----------------------------------------------------------------------------------

resource elasticsearchPullsImages 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (doRoleAssignments) {
  name: guid(registry.id, elasticsearchPrincipalId, roles.acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
    principalId: elasticsearchPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource elasticsearchReadsElasticPassword 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (doRoleAssignments) {
  name: guid(elasticPasswordSecret.id, elasticsearchPrincipalId, roles.keyVaultSecretsUser)
  scope: elasticPasswordSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: elasticsearchPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource elasticsearchReadsWriterPassword 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (doRoleAssignments) {
  name: guid(writerPasswordSecret.id, elasticsearchPrincipalId, roles.keyVaultSecretsUser)
  scope: writerPasswordSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: elasticsearchPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource elasticsearchReadsReaderPassword 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (doRoleAssignments) {
  name: guid(readerPasswordSecret.id, elasticsearchPrincipalId, roles.keyVaultSecretsUser)
  scope: readerPasswordSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: elasticsearchPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Snapshots: write access to the one container, nothing else in that account.
resource elasticsearchWritesSnapshots 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (doRoleAssignments && !empty(backupStorageAccountName)) {
  name: guid(backupContainer.id, elasticsearchPrincipalId, roles.storageBlobDataContributor)
  scope: backupContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: elasticsearchPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// --- Grafana -----------------------------------------------------------------------------------------

resource grafanaPullsImages 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (doRoleAssignments) {
  name: guid(registry.id, grafanaPrincipalId, roles.acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull)
    principalId: grafanaPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource grafanaReadsAdminPassword 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (doRoleAssignments) {
  name: guid(grafanaAdminPasswordSecret.id, grafanaPrincipalId, roles.keyVaultSecretsUser)
  scope: grafanaAdminPasswordSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: grafanaPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource grafanaReadsReaderPassword 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (doRoleAssignments) {
  name: guid(readerPasswordSecret.id, grafanaPrincipalId, roles.keyVaultSecretsUser)
  scope: readerPasswordSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: grafanaPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource grafanaReadsExternalApiKey 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (doRoleAssignments && useExternalElasticsearch) {
  name: guid(externalReaderApiKeySecret.id, grafanaPrincipalId, roles.keyVaultSecretsUser)
  scope: externalReaderApiKeySecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: grafanaPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource grafanaReadsAlertWebhook 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (doRoleAssignments && hasAlertWebhook) {
  name: guid(alertWebhookSecret.id, grafanaPrincipalId, roles.keyVaultSecretsUser)
  scope: alertWebhookSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: grafanaPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// --- The deploying principal -------------------------------------------------------------------------

// Lets the operator read and rotate the generated passwords (e.g. Grafana's break-glass admin).
resource deployerManagesSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (doRoleAssignments && !empty(deployerPrincipalId)) {
  name: guid(vault.id, deployerPrincipalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}
