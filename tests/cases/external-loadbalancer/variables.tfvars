external_access_enabled = true
external_access_type    = "LoadBalancer"
external_access_annotations = {
  "service.beta.kubernetes.io/do-loadbalancer-size-unit" = "1"
}
