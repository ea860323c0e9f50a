// Reads the image a container app runs now, so that `azd provision` after `azd deploy` keeps it instead
// of resetting the app to the placeholder. A separate module because a template cannot read a resource
// it also deploys. azd sets SERVICE_<NAME>_RESOURCE_EXISTS once the app exists.

param name string
param exists bool

@description('Image used before the first `azd deploy` (public, needs no registry credentials).')
param placeholderImage string

resource current 'Microsoft.App/containerApps@2026-01-01' existing = if (exists) {
  name: name
}

output image string = exists ? current.properties.template.containers[0].image : placeholderImage
