"""Pieces the windows share: actions against the PBX, number suggestions, message boxes, geometry."""
