# External access through the operator's Envoy proxy, which alone may dial the pods from outside the namespace's clients.
network_policy_enabled = true
external_access_enabled = true
external_access_type    = "proxy"
anonymous_auth          = true
