"""Data-subject requests and retention, across the apps.

Erasure, export and the retention purge each touch rows of several apps (contacts,
conversations, outbound, ingestion). Each owning app exposes the action that blanks its own
rows; the modules here decide whose rows and call them in order, in one transaction, and write
the audit entry. This package sits at the edge with `web`, `api` and `ingestion`: domain apps
never import it.
"""
