"""The office relay: one PBX address for every desk (docs/relay.md)."""
