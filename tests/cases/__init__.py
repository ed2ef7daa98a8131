"""Data-driven render cases, in the style of cloud-foundation-fabric's test harness.

Each folder here is one case: a ``variables.*`` file (``.tfvars``, ``.tfvars.json``,
``.json``, ``.yaml`` or ``.yml``) and an ``inventory.yaml`` with what the render must
produce. ``make golden`` (``python -m tests.cases.regenerate [CASE...]``) rewrites the
inventories from the current code.
"""
