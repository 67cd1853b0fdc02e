"""Planning a run: prompts x models x samples into jobs and cost; manifests; adapter instances."""
