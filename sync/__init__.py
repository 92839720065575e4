"""Feeds that keep the database current (`hall sync`): vendor databases read incrementally
by a watermark, and inbox folders whose exports are imported once (see README, "Feeds")."""
