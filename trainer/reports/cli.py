import time

import click
from flask.cli import AppGroup

from ..extensions import db
from . import tally

reports = AppGroup("reports", help="Dashboard summaries.")


@reports.command("rebuild")
def rebuild_command():
    """Recompute the dashboards' summary tables from every graded attempt."""
    started = time.perf_counter()
    counted = tally.rebuild()
    db.session.commit()
    click.echo(f"已重新汇总 {counted} 份已评分答卷,用时 {time.perf_counter() - started:.1f} 秒。")
