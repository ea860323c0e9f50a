// Storage for Elasticsearch's snapshots (the repository-azure module that ships with Elasticsearch 8).
// GitHub keeps only a rolling window of Copilot data, so these snapshots are the only copy of older history
// outside the NFS share. A separate account from the Function's: the collector's identity (Blob Data
// Owner there) cannot touch the backups, and Elasticsearch's identity can only write this one container.
// Standard general-purpose v2, the account type the repository supports (Premium is not supported).
// Shared keys are off: Elasticsearch authenticates with its managed identity.

param name string
param location string
param tags object

@description('Replication: LRS (default, cheapest), ZRS (zones, not in every region) or GRS (a second region).')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
])
param skuName string = 'Standard_LRS'

@description('Blob container the snapshot repository writes to.')
param containerName string = 'es-snapshots'

@description('Days a deleted or overwritten blob stays recoverable (a second line behind SLM retention).')
@minValue(1)
@maxValue(365)
param softDeleteDays int = 14

@description('Disabled: reachable only through a private endpoint (private endpoints on).')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

// With private endpoints the public endpoint is closed and the network rules deny by default.
var publicAccessDisabled = publicNetworkAccess == 'Disabled'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Cool'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // A ternary, not the parameter itself: checkov 3.3.30 reads a bare parameter's default only for some
    // hash seeds, which made its result change from run to run.
    publicNetworkAccess: publicAccessDisabled ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: publicAccessDisabled ? 'Deny' : 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
  }
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
  }
}

output id string = account.id
output name string = account.name
output containerName string = container.name
