"""The city: files, validation, loading and export."""
