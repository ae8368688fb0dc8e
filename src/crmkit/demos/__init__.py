"""Sections of the crmkit demo, one per module."""
