"""Starting a fairclimb command that Ctrl-C can reach.

As in a terminal, SIGINT must not arrive ignored: a test runner started in the
background (nohup, "&") hands SIGINT on as ignored, and Python honours that, so a
test that interrupts a command would see it run to the end.
"""

from __future__ import annotations

import sys

FAIRCLIMB_WITH_DEFAULT_SIGINT = [
    sys.executable, "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.executable, [sys.executable, '-m', 'fairclimb', *sys.argv[1:]])",
]
