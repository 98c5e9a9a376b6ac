"""City settings an administrator edits in the browser (the SLA policy, the scoring settings)."""
