tls_enabled      = true
cert_issuer_name = "valkey-ca"
cert_issuer_type = "Issuer"
namespace        = "cache"
