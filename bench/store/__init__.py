"""The run directory: jobs, records, the journal and the one-writer lock."""
