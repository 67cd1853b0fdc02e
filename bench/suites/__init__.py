"""Prompt suites: loading, input files, imports from VBench and CSV, stratified samples."""
