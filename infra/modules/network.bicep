// Virtual network for option A of the platform notes: two Container Apps environments and the
// Function App's VNet integration, each on its own subnet. All three subnets are delegated to
// Microsoft.App/environments (ACA workload-profile environments and Flex Consumption both require it).

@description('Name of the virtual network.')
param name string

param location string
param tags object

@description('Address space of the virtual network.')
param addressPrefix string

@description('Subnet of the internal environment that hosts Elasticsearch (at least /27).')
param privateEnvSubnetPrefix string

@description('Subnet of the public environment that hosts Grafana (at least /27).')
param publicEnvSubnetPrefix string

@description('Subnet used by the Function App for outbound VNet integration.')
param functionSubnetPrefix string

@description('Subnet for private endpoints; empty: no such subnet (private endpoints off).')
param privateEndpointSubnetPrefix string = ''

@description('NAT gateway for the Function\'s subnet (fixed outbound IP); empty: none.')
param natGatewayId string = ''

var appEnvironmentDelegation = [
  {
    name: 'Microsoft.App.environments'
    properties: {
      serviceName: 'Microsoft.App/environments'
    }
  }
]

var functionSubnetProperties = {
  addressPrefix: functionSubnetPrefix
  delegations: appEnvironmentDelegation
}

var baseSubnets = [
  {
    name: 'snet-cae-private'
    properties: {
      addressPrefix: privateEnvSubnetPrefix
      delegations: appEnvironmentDelegation
      // The NFS share that holds Elasticsearch's data only accepts traffic from this subnet.
      serviceEndpoints: [
        {
          service: 'Microsoft.Storage'
        }
      ]
    }
  }
  {
    name: 'snet-cae-public'
    properties: {
      addressPrefix: publicEnvSubnetPrefix
      delegations: appEnvironmentDelegation
    }
  }
  {
    name: 'snet-func'
    properties: empty(natGatewayId) ? functionSubnetProperties : union(functionSubnetProperties, { natGateway: { id: natGatewayId } })
  }
]

var endpointSubnets = empty(privateEndpointSubnetPrefix) ? [] : [
  {
    name: 'snet-pe'
    properties: {
      addressPrefix: privateEndpointSubnetPrefix
      privateEndpointNetworkPolicies: 'Disabled'
    }
  }
]

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: concat(baseSubnets, endpointSubnets)
  }
}

output id string = vnet.id
output name string = vnet.name
output privateEnvSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'snet-cae-private')
output publicEnvSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'snet-cae-public')
output functionSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'snet-func')
output privateEndpointSubnetId string = empty(privateEndpointSubnetPrefix) ? '' : resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, 'snet-pe')
