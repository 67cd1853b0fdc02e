"""Generation: runner, creates, poller, downloads, reconcile, results.parquet, the pipeline."""
