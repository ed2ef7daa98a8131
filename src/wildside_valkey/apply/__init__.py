"""Apply mode: converge a live cluster from the plan (server-side apply and the Helm CLI)."""
