"""Adapters: the implementations of the ports (storage, messaging, documents, clock)."""
