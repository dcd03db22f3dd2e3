"""Reading a roster CSV (bulk user creation). Pure: rows in, rows or errors out.

A file with any bad line is refused whole, every error listed with its line, so an admin
fixes the file once instead of discovering a half-imported roster.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from .roles import Role

COLUMNS = ("username", "display_name", "role", "team", "joined_on")
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
ROLE_NAMES = {**{r.value: r for r in Role}, **{r.label: r for r in Role}}


@dataclass(frozen=True)
class RosterRow:
    line: int
    username: str
    display_name: str
    role: Role
    team: str
    joined_on: date


@dataclass(frozen=True)
class RosterError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"第 {self.line} 行:{self.message}"


def decode(raw: bytes) -> str:
    """Excel in China saves CSV as GBK or UTF-8 with a BOM; accept both."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("文件编码无法识别,请另存为 UTF-8 CSV")


def parse(text: str, existing_usernames: set[str], teams: set[str]):
    """Return (rows, errors); rows are only meaningful when errors is empty."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [RosterError(1, f"缺少列 {', '.join(missing)}(需要:{', '.join(COLUMNS)})")]
    rows, errors, seen = [], [], set()
    for record in reader:
        line = reader.line_num
        values = {k.strip(): (v or "").strip() for k, v in record.items() if k}
        problems = _check(values, existing_usernames | seen, teams)
        if problems:
            errors.extend(RosterError(line, p) for p in problems)
            continue
        seen.add(values["username"].lower())
        rows.append(
            RosterRow(
                line=line,
                username=values["username"],
                display_name=values["display_name"],
                role=ROLE_NAMES[values["role"]],
                team=values["team"],
                joined_on=date.fromisoformat(values["joined_on"]),
            )
        )
    if not rows and not errors:
        errors.append(RosterError(2, "文件中没有用户"))
    return rows, errors


def _check(values: dict, taken: set[str], teams: set[str]) -> list[str]:
    problems = []
    username = values.get("username", "")
    if not USERNAME.match(username):
        problems.append(f"用户名“{username}”无效(3–64 位字母、数字、_ . -)")
    elif username.lower() in taken:
        problems.append(f"用户名“{username}”已存在")
    if not values.get("display_name"):
        problems.append("姓名不能为空")
    if values.get("role") not in ROLE_NAMES:
        problems.append(f"角色“{values.get('role')}”无效(agent/lead/manager/admin)")
    team = values.get("team", "")
    if team and team not in teams:
        problems.append(f"团队“{team}”不存在,请先创建")
    try:
        date.fromisoformat(values.get("joined_on", ""))
    except ValueError:
        problems.append(f"入职日期“{values.get('joined_on')}”应为 YYYY-MM-DD")
    return problems
