"""Shared helpers with no stage of their own: a prompt's writing system, PyAV probes."""
