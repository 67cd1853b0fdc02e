"""The processes tests start get Ctrl-C as in a terminal, however the suite was started."""

import subprocess
import sys

PROBE = "import signal; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"


def test_a_child_process_turns_sigint_into_keyboard_interrupt() -> None:
    # Fails without tests/conftest.py's reset when the suite runs with SIGINT ignored
    # (`bash -c "trap '' INT; pytest tests/test_suite_signals.py"`).
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
