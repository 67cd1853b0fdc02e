"""Settings for the whole suite: no test reaches the network for model weights."""

import os

# The CLIP scorers download open_clip's named weights by default (a real run should get its
# headline metric); tests, and the CLI processes they start, stay offline.
os.environ.setdefault("VIDBENCH_CLIP_DOWNLOAD", "0")
