"""Talking to the PBX's REST API: typed answers, the client, recordings, the balance gate, SMS parts. No Qt."""
