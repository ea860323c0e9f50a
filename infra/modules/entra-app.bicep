// Optional: the Microsoft Entra app registration Grafana signs users in with, created through the
// Microsoft Graph Bicep extension (alias declared in infra/bicepconfig.json). Deployed only when
// CREATE_APP_REGISTRATION is true and no AUTH_CLIENT_ID is given; the deploying principal then needs the
// Graph permission Application.ReadWrite.All (delegated) or Application.ReadWrite.OwnedBy (app-only).
// docs/deploy-azure.md describes the manual equivalent.
//
// This file is the only one with `extension`: pycep-parser reads the alias form, tree-sitter-bicep 1.1.0
// does not know the keyword, so the offline syntax test exempts this file from tree-sitter only.

extension microsoftGraphV1

@description('Immutable key Graph uses to make the deployment idempotent.')
param uniqueName string

param displayName string

@description('Public URL of Grafana (https://<fqdn>); the redirect URI is <url>/login/azuread.')
param grafanaUrl string

@description('Principal (object) id of Grafana\'s user-assigned identity, trusted as a federated credential.')
param grafanaIdentityPrincipalId string

@description('Request the groups claim (needed when sign-in is limited to groups).')
param includeGroupsClaim bool = false

@description('User to grant the Admin app role to (the deploying user); empty for nobody.')
param adminUserObjectId string = ''

var grafanaRoles = [
  {
    value: 'Viewer'
    description: 'Can view dashboards.'
  }
  {
    value: 'Editor'
    description: 'Can view and edit dashboards.'
  }
  {
    value: 'Admin'
    description: 'Administers the Grafana organization.'
  }
]

resource application 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: uniqueName
  displayName: displayName
  signInAudience: 'AzureADMyOrg'
  groupMembershipClaims: includeGroupsClaim ? 'SecurityGroup' : 'None'
  web: {
    redirectUris: [
      '${grafanaUrl}/login/azuread'
      grafanaUrl
    ]
    implicitGrantSettings: {
      enableAccessTokenIssuance: false
      enableIdTokenIssuance: false
    }
  }
  appRoles: [for role in grafanaRoles: {
    id: guid(uniqueName, role.value)
    allowedMemberTypes: [
      'User'
    ]
    displayName: role.value
    description: role.description
    value: role.value
    isEnabled: true
  }]
  // No Microsoft Graph permission: Grafana signs users in with the OpenID scopes (openid email profile)
  // and reads roles and groups from the ID token; it never calls Graph, so User.Read is not requested.

  // Grafana authenticates as this app with a token of its managed identity: no client secret exists.
  resource grafanaCredential 'federatedIdentityCredentials@v1.0' = {
    name: '${application.uniqueName}/grafana-managed-identity'
    description: 'Grafana container app user-assigned identity'
    audiences: [
      'api://AzureADTokenExchange'
    ]
    // The identity's own tenant, which is always the deployment's: a managed identity is trusted only by
    // an app registration of its tenant (not the tenant users sign in from).
    issuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
    subject: grafanaIdentityPrincipalId
  }
}

// Only users (or groups) given one of the app roles may sign in at all; Entra refuses everyone else
// before Grafana sees them.
resource servicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: application.appId
  appRoleAssignmentRequired: true
}

resource adminAssignment 'Microsoft.Graph/appRoleAssignedTo@v1.0' = if (!empty(adminUserObjectId)) {
  appRoleId: guid(uniqueName, 'Admin')
  principalId: adminUserObjectId
  resourceId: servicePrincipal.id
}

output clientId string = application.appId
