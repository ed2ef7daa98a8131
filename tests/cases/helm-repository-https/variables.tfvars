flux_source_kind  = "HelmRepository"
chart_repository  = "https://charts.example.com/hyperspike/"
chart_version     = "0.0.61"
helm_wait         = false
