"""gunicorn entry point: `gunicorn wsgi:app`."""

import sys

from trainer import create_app
from trainer.config import ConfigError

try:
    app = create_app()
except ConfigError as refusal:
    print(refusal.code, file=sys.stderr)
    # Exit status 3 is gunicorn's "worker failed to boot": the master stops instead of
    # respawning workers that would refuse again.
    raise SystemExit(3) from None
