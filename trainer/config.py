"""Settings read from the environment, with the defaults a laptop demo needs."""

import os
import secrets
from pathlib import Path

from .content import BankPolicy
from .learning.onboarding import OnboardingRules

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("TRAINER_INSTANCE", ROOT / "instance"))

# Values that must never sign production sessions.
WEAK_SECRETS = {"", "dev", "changeme", "secret", "change-me", "development"}


class ConfigError(SystemExit):
    """A setting that makes starting unsafe or impossible.

    A SystemExit, so that gunicorn and the CLI stop with its one-line message instead of a
    traceback.
    """

    def __init__(self, message: str):
        super().__init__(f"错误:{message}")


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret() -> str:
    """A per-checkout random key, so `make run` works without configuration."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _onboarding_rules() -> OnboardingRules:
    env = os.environ.get
    return OnboardingRules(
        practice_pass_percent=float(env("PRACTICE_PASS_PERCENT", "80")),
        practice_questions=int(env("PRACTICE_QUESTIONS", "8")),
        certification_pass_mark=float(env("CERT_PASS_MARK", "80")),
        certification_cooldown_hours=int(env("CERT_COOLDOWN_HOURS", "24")),
        certification_questions_per_module=int(env("CERT_QUESTIONS_PER_MODULE", "2")),
        certification_minutes=int(env("CERT_MINUTES", "30")),
    )


def _bank_policy() -> BankPolicy:
    """A company with its own, smaller bank may lower the floor content check holds it to."""
    env = os.environ.get
    return BankPolicy(
        min_questions=int(env("BANK_MIN_QUESTIONS", "400")),
        min_per_category=int(env("BANK_MIN_PER_CATEGORY", "30")),
        min_difficulty_share=float(env("BANK_MIN_DIFFICULTY_SHARE", "0.2")),
    )


def from_environment() -> dict:
    env = os.environ.get("TRAINER_ENV", "production")
    development = env == "development"
    secret = os.environ.get("SECRET_KEY", "")
    if not secret and development:
        secret = _development_secret()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'trainer.db'}"
    return {
        "TRAINER_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLITE_BUSY_TIMEOUT_MS": int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "15000")),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", not development),
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", not development),
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": int(os.environ.get("SESSION_LIFETIME_SECONDS", "43200")),
        # Longer than the longest exam, so an agent's final submit never fails on CSRF.
        "WTF_CSRF_TIME_LIMIT": int(os.environ.get("CSRF_TIME_LIMIT_SECONDS", "43200")),
        "WTF_I18N_ENABLED": False,  # see forms.Form: WTForms' own Chinese messages
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(8 * 1024 * 1024))),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Several installations (or a test run) sharing one Redis keep their counts apart.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "trainer"),
        "RATELIMIT_LOGIN": os.environ.get("RATELIMIT_LOGIN", "10 per minute;50 per hour"),
        "RATELIMIT_LOGIN_PER_ADDRESS": os.environ.get("RATELIMIT_LOGIN_PER_ADDRESS",
                                                      "300 per minute"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "COURSES_DIR": os.environ.get("COURSES_DIR", str(ROOT / "courses")),
        "QUESTION_BANK_DIR": os.environ.get("QUESTION_BANK_DIR", str(ROOT / "question_bank")),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PASSWORD_HASH_METHOD": "scrypt",
        "TIMEZONE": os.environ.get("TIMEZONE", "Asia/Shanghai"),
        "EXAM_GRACE_SECONDS": int(os.environ.get("EXAM_GRACE_SECONDS", "60")),
        "ONBOARDING_RULES": _onboarding_rules(),
        "BANK_POLICY": _bank_policy(),
        # Hours an agent may appeal a published daily-assessment month (seed: one day).
        "APPEAL_HOURS": int(os.environ.get("APPEAL_HOURS", "24")),
    }


def check(config: dict) -> None:
    """Refuse settings that would run production insecurely."""
    if config.get("TESTING") or config.get("TRAINER_ENV") == "development":
        return
    if config.get("SECRET_KEY", "") in WEAK_SECRETS or len(config["SECRET_KEY"]) < 16:
        raise ConfigError(
            "SECRET_KEY 未设置或过弱:生产环境请设置至少 16 位的随机 SECRET_KEY "
            "(例如 python -c 'import secrets; print(secrets.token_hex(32))'),"
            "或用 TRAINER_ENV=development 在本机试用。"
        )
