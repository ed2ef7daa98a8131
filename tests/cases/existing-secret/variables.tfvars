# The module's behaviour for a Secret made outside (sealed-secrets, SOPS, by hand):
# the Valkey references it, nothing here creates it.
cluster_name             = "cache"
password_existing_secret = true
password_secret_name     = "cache-auth"
password_secret_key      = "redis-password"
tolerations = [
  { operator = "Exists" },
  { key = "dedicated", value = "cache" },
]
