# Three shards with a replica each, and the module's own PodDisruptionBudget.
cluster_name      = "sessions"
nodes             = 3
replicas          = 1
pdb_enabled       = true
pdb_min_available = 2
pdb_name          = "sessions-pdb"
