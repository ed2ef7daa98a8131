# External access through per-pod LoadBalancers: clients and the bus arrive from outside the cluster.
network_policy_enabled  = true
external_access_enabled = true
tls_enabled             = true
cert_issuer_name        = "letsencrypt"
