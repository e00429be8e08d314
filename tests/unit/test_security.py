import pytest

from search_api.accounts.pages import _safe_next
from search_api.accounts.security import (
    backoff_seconds,
    hash_password,
    hash_token,
    new_session,
    new_token,
    read_session,
    sign_session,
    verify_password,
)
from search_api.routes.render import csrf_token, valid_csrf

SECRET = "k" * 32


def test_passwords_are_salted_scrypt_and_verify_only_themselves() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second and first.startswith("scrypt$")
    assert verify_password("correct horse", first)
    assert not verify_password("correct horsE", first)
    assert not verify_password("x", "not-a-hash")


def test_tokens_are_random_and_stored_as_hashes() -> None:
    token_id, token, digest = new_token()
    assert token.startswith(f"ev_{token_id}_") and len(token) > 40
    assert digest == hash_token(token) and token not in digest
    assert new_token()[1] != token


def test_sessions_are_signed_and_expire() -> None:
    issued = new_session("jo", now=1000)
    cookie = sign_session(issued, SECRET)
    session = read_session(cookie, SECRET, now=1001)
    assert session == issued and session.username == "jo"
    assert new_session("jo").session_id != issued.session_id, "a random id per login"
    assert read_session(cookie, "other" * 8, now=1001) is None
    assert read_session(cookie[:-1] + ("a" if cookie[-1] != "a" else "b"), SECRET, now=1001) is None
    assert read_session(cookie, SECRET, now=1000 + 9 * 3600) is None
    assert read_session("garbage", SECRET) is None


def test_a_clock_at_zero_is_a_time_not_a_missing_one() -> None:
    """`now or time.time()` took 0 for "not given", like confidentiality's Level.PUBLIC."""
    cookie = sign_session(new_session("jo", now=0), SECRET)
    assert read_session(cookie, SECRET, now=1) is not None
    assert read_session(cookie, SECRET) is None, "issued at 0, it expired long ago"


def test_csrf_token_matches_only_its_cookie() -> None:
    token = csrf_token("cookie-1", SECRET)
    assert valid_csrf("cookie-1", token, SECRET)
    assert not valid_csrf("cookie-2", token, SECRET)
    assert not valid_csrf(None, token, SECRET)
    assert not valid_csrf("cookie-1", None, SECRET)


def test_failed_logins_wait_nothing_at_first_then_twice_as_long_each_time() -> None:
    waits = [backoff_seconds(n) for n in range(1, 16)]
    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4:9] == [30, 60, 120, 240, 480]
    assert waits[-1] == 3600 and max(waits) == 3600
    assert backoff_seconds(10**6) == 3600, "no overflow, however long the row"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "\\/evil.example",
        "https://evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "/\n/evil.example",
        "/%5Cevil.example",
        "/%2F/evil.example",
        "evil.example",
        "",
        None,
    ],
)
def test_next_refuses_anything_that_could_leave_the_site(target: str | None) -> None:
    """Each leaves the site, at once or once a browser has read `\\` as `/` and dropped
    the tab or newline, or once something on the way has decoded it again."""
    assert _safe_next(target) == "/"


@pytest.mark.parametrize(
    "target", ["/", "/search?q=x", "/records/abc?next=//x", "/search?q=a%2Fb", "/a\\b"]
)
def test_next_keeps_paths_on_this_site(target: str) -> None:
    assert _safe_next(target) == target
