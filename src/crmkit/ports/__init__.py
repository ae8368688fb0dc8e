"""Ports: the Protocols through which services reach the world (storage, clock, ids, documents, messaging)."""
