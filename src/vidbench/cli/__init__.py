"""The `vidbench` command line: the top floor, over the core and the reports."""
