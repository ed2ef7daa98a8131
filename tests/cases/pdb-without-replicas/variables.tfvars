# pdb_enabled without replicas: nothing to protect, so no PodDisruptionBudget.
pdb_enabled       = true
pdb_min_available = 0
