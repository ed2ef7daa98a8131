"""What a real Kubernetes API server cannot be made to do on demand: dropped connections,
5xx answers, slow or no answers (faults.py at lightkube's transport, servers.py on
loopback), and kubeconfig files pointing at them (kubeconfig.py).

Everything a working API server does is the real one's: the end-to-end suite
(tests/e2e) runs against a real control plane.
"""
