"""What the ledger announces once a month's scores are final or an appeal changes one, so
that capabilities downstream (the stored KPI outcomes) keep up without the ledger knowing
them. Receivers run inside the caller's transaction; the caller commits."""

from blinker import Namespace

_signals = Namespace()

# Sent with the month ("YYYY-MM") when it is published, its AssessmentMonth row flushed.
month_published = _signals.signal("month-published")

# Sent with user_id= and month= when an appeal's decision changes an item's points in a
# published month, after the item holds its new points.
month_score_changed = _signals.signal("month-score-changed")
