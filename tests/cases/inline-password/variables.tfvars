# A password written into Git on purpose.
password_inline         = "  not-a-real-secret-4711  "
allow_plaintext_secrets = true
password_secret_name    = "valkey-inline"
