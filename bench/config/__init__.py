"""What a run config holds: settings, checks, YAML loading, bundled files, key hosts, the config."""
