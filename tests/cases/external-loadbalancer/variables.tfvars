external_access_enabled = true
external_access_type    = "LoadBalancer"
