"""core's PostgreSQL backend (settings ENGINE "core.db"): Django's, with a cheaper health check."""
