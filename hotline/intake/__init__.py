"""Intake: validation of new complaints at the edge and their creation."""
