// Private DNS for the internal environment: a zone named after its default domain, a wildcard record to
// its internal load balancer, linked to the virtual network. The Function App (VNet integration) and
// Grafana (the other environment) then resolve https://<es app>.<default domain> to a private address.

@description('Default domain of the internal Container Apps environment.')
param zoneName string

@description('Static (internal load balancer) IP of that environment.')
param staticIp string

param virtualNetworkId string
param tags object

resource zone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: zoneName
  location: 'global'
  tags: tags
}

resource wildcard 'Microsoft.Network/privateDnsZones/A@2024-06-01' = {
  parent: zone
  name: '*'
  properties: {
    ttl: 300
    aRecords: [
      {
        ipv4Address: staticIp
      }
    ]
  }
}

resource link 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: zone
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

output zoneName string = zone.name
