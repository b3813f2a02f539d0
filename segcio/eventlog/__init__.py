"""The durable, ordered event log: ingest appends to it (`append`), the router and the other readers read it in
seq order (`reads`), retention prunes it and regulations delete a person's events from it (`writes`).

Where it lives: on SQLite with a file, in a database file of its own beside the main one (`segcio-events.db`
beside `segcio.db`, see `segcio.store.db.eventlog_path`), attached read-only to every connection of the main
database, so the ingest writer and the routing transactions never wait for each other's write lock. On
PostgreSQL and in-memory SQLite the log's tables are in the one database.
"""
