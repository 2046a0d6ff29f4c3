"""Daemons: what runs beside the API for the life of the process, started and stopped by the
app's lifespan (queues that write and build in the background, rollouts, the built-in worker,
the relay of other replicas' announcements, the rescue of expired leases)."""
