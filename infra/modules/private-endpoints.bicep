// Private endpoints for the storage accounts' blob service and for Key Vault, with their private DNS
// zones linked to the virtual network (optional: PRIVATE_ENDPOINTS=true). With them the accounts and the
// vault refuse public network access; the Function (VNet integration) and both Container Apps
// environments (VNet-injected) resolve the privatelink names to the endpoints' private addresses.
// Operators outside the virtual network then cannot read Key Vault secrets or blobs directly
// (docs/deploy-azure.md, "Private endpoints").

param location string
param tags object

@description('Subnet for the endpoints (no delegation).')
param subnetId string

param virtualNetworkId string

@description('Resource ids of storage accounts whose blob service gets an endpoint.')
param blobStorageAccountIds array

param keyVaultId string

var blobZoneName = 'privatelink.blob.${environment().suffixes.storage}'
// Key Vault's private link zone in the public cloud; sovereign clouds use their own suffix.
var vaultZoneName = 'privatelink.vaultcore.azure.net'

resource blobZone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: blobZoneName
  location: 'global'
  tags: tags
}

resource vaultZone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: vaultZoneName
  location: 'global'
  tags: tags
}

resource blobZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: blobZone
  name: 'vnet-link'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetworkId
    }
  }
}

resource vaultZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: vaultZone
  name: 'vnet-link'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetworkId
    }
  }
}

resource blobEndpoints 'Microsoft.Network/privateEndpoints@2024-05-01' = [for (accountId, i) in blobStorageAccountIds: {
  name: 'pe-blob-${last(split(accountId, '/'))}'
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: 'blob'
        properties: {
          privateLinkServiceId: accountId
          groupIds: [
            'blob'
          ]
        }
      }
    ]
  }
}]

resource blobDnsGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = [for (accountId, i) in blobStorageAccountIds: {
  parent: blobEndpoints[i]
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'blob'
        properties: {
          privateDnsZoneId: blobZone.id
        }
      }
    ]
  }
}]

resource vaultEndpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = {
  name: 'pe-vault-${last(split(keyVaultId, '/'))}'
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: 'vault'
        properties: {
          privateLinkServiceId: keyVaultId
          groupIds: [
            'vault'
          ]
        }
      }
    ]
  }
}

resource vaultDnsGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = {
  parent: vaultEndpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'vault'
        properties: {
          privateDnsZoneId: vaultZone.id
        }
      }
    ]
  }
}

output blobZoneName string = blobZone.name
output vaultZoneName string = vaultZone.name
