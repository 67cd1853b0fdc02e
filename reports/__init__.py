"""Statistics, plots, HTML/Markdown reports and run-vs-run comparison, read from a run directory.

Entry points: `reports.build.write_reports`, `reports.build.summary_table`,
`reports.compare.compare_runs`. Nothing is imported here so `import reports` stays light.
"""
