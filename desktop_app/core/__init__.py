"""What every service stands on: numbers, profile, settings, secrets, logs, texts, the SQLite file, the HTTP core. No Qt."""
