"""Scorers: one decode pass per video, batched models loaded once, results cached by content hash.

Entry point: `bench.scorers.stage.score_run`.
"""
