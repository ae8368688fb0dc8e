"""The pure rules of crmkit: standard library and attrs only, no I/O, no clock."""
