"""What grading announces, so that capabilities downstream (the dashboards' summaries) keep
up without the exam engine knowing them. Receivers run inside the grading transaction."""

from blinker import Namespace

_signals = Namespace()

# Sent with the attempt each time it is graded or regraded, before the commit.
attempt_graded = _signals.signal("attempt-graded")
