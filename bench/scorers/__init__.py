"""Scorers: one decode pass per video, batched models loaded once, results cached by content hash.

Entry point: `vidbench.core.scorers.stage.score_run`.
"""
