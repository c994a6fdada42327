"""The operations HTTP server: health, readiness, Prometheus metrics and the operator dashboard.

Everything here reads and acts through `bot.web.ports.OperationsView`; nothing opens the database.
"""
