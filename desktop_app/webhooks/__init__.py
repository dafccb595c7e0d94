"""What the PBX posts to us: typed webhooks, the journal, the listener. No Qt."""
