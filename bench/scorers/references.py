"""Which reference images scoring may read: a job's `character_ref` comes from the run's
records, which anyone who shared the run directory could have written, so it is read only
inside the run's suite folder, and only while the suite file still has the hash the manifest
recorded (as a resume's uploads are, `check_resumed_inputs`). A reference refused is left out
of the job (face identity then measures against the clip's first face) and said in a note.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from vidbench.core.store.jobs import Job
from vidbench.core.store.store import RunDir
from vidbench.core.suites.inputs import resumed_input_problems

Item = tuple[Job, Path, str]  # a job, its video, the video's sha256 (RunDir.scorable)


def trusted_references(run: RunDir, items: list[Item]) -> tuple[list[Item], list[str]]:
    """The items with every untrusted `character_ref` removed, and a note per removal."""
    named = sorted({job.character_ref for job, _, _ in items if job.character_ref})
    if not named:
        return items, []
    suite = run.manifest().get("suite")
    suite = suite if isinstance(suite, dict) else {}
    # One call for every reference: the suite file is hashed once. A problem names its
    # reference first ("<ref>: inputs.character_ref: why"); one that names none (the suite
    # file missing or changed) refuses them all.
    problems = resumed_input_problems(
        [(ref, {"character_ref": ref}) for ref in named],
        Path(str(suite.get("path") or "")),  # "" is no file: nothing is trusted
        str(suite.get("sha256", "")),
        None,
    )
    refused: dict[str, str] = {}
    for problem in problems:
        ref = next((r for r in named if problem.startswith(f"{r}: ")), None)
        if ref is None:
            refused = dict.fromkeys(named, problem)
            break
        refused[ref] = problem.removeprefix(f"{ref}: inputs.character_ref: ")
    kept = [
        (dataclasses.replace(job, character_ref=None), path, sha)
        if job.character_ref in refused
        else (job, path, sha)
        for job, path, sha in items
    ]
    notes = [f"character_ref {ref} not read: {why}" for ref, why in refused.items()]
    return kept, notes
