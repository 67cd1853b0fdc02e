"""Statistics, plots, HTML/Markdown reports and run-vs-run comparison, read from a run directory.

Entry points: `vidbench.reports.build.write_reports`, `vidbench.reports.build.summary_table`,
`vidbench.reports.compare.compare_runs`. Nothing is imported here so `import reports` stays light.
"""
