"""`vidbench arena`: blind pairwise voting on a run's clips, votes appended to votes.jsonl."""
