// Azure Files NFS share for Elasticsearch's data directory. Container Apps can mount NFS without any
// account key (SMB mounts need one), and the share only accepts traffic from the internal environment's
// subnet. NFS 4.1 does not run over HTTPS, hence supportsHttpsTrafficOnly: false; the traffic never
// leaves the virtual network.

param name string
param location string
param tags object

@description('Subnet (with the Microsoft.Storage service endpoint) allowed to mount the share.')
param allowedSubnetId string

param shareName string = 'esdata'

@description('Provisioned size in GiB (Premium files bill by provisioned size; minimum 100).')
@minValue(100)
param shareQuotaGiB int = 100

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'FileStorage'
  sku: {
    name: 'Premium_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Deny'
      virtualNetworkRules: [
        {
          id: allowedSubnetId
          action: 'Allow'
        }
      ]
    }
  }
}

resource fileService 'Microsoft.Storage/storageAccounts/fileServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource share 'Microsoft.Storage/storageAccounts/fileServices/shares@2023-05-01' = {
  parent: fileService
  name: shareName
  properties: {
    enabledProtocols: 'NFS'
    rootSquash: 'NoRootSquash'
    shareQuota: shareQuotaGiB
  }
}

output name string = account.name
output shareName string = share.name
// Server and export path in the form Container Apps' nfsAzureFile storage expects.
output nfsServer string = '${account.name}.file.${environment().suffixes.storage}'
output nfsSharePath string = '/${account.name}/${share.name}'
