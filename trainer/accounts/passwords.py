"""Password policy and temporary passwords. Pure."""

import secrets

# No 0/O, 1/l/I: temporary passwords are read aloud or copied from a screen.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MIN_LENGTH = 8


def temporary_password(length: int = 10) -> str:
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if not policy_problems(candidate, username=""):
            return candidate


def policy_problems(password: str, username: str) -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码至少 {MIN_LENGTH} 位")
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        problems.append("密码需同时包含字母和数字")
    if username and password.lower() == username.lower():
        problems.append("密码不能与用户名相同")
    return problems
