import pytest

from trainer.accounts.passwords import policy_problems, temporary_password


@pytest.mark.parametrize(("password", "ok"), [
    ("abc12345", True), ("abc1234", False), ("abcdefgh", False), ("12345678", False),
    ("zhang3pass", True),
])
def test_policy(password, ok):
    assert (policy_problems(password, "someone") == []) is ok


def test_password_may_not_be_the_username():
    assert policy_problems("Zhang3abc", "zhang3abc")


def test_temporary_passwords_pass_the_policy_and_differ():
    passwords = {temporary_password() for _ in range(50)}
    assert len(passwords) == 50
    assert all(policy_problems(p, "") == [] for p in passwords)
