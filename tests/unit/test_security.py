import tracemalloc
from collections.abc import Callable

import pytest

from search_api.accounts.pages import _safe_next
from search_api.accounts.security import (
    LoginLimiter,
    hash_password,
    hash_token,
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
    cookie = sign_session("jo", SECRET, now=1000)
    session = read_session(cookie, SECRET, now=1001)
    assert session is not None and session.username == "jo"
    assert read_session(cookie, "other" * 8, now=1001) is None
    assert read_session(cookie[:-1] + ("a" if cookie[-1] != "a" else "b"), SECRET, now=1001) is None
    assert read_session(cookie, SECRET, now=1000 + 9 * 3600) is None
    assert read_session("garbage", SECRET) is None


def test_a_clock_at_zero_is_a_time_not_a_missing_one() -> None:
    """`now or time.time()` took 0 for "not given", like confidentiality's Level.PUBLIC."""
    cookie = sign_session("jo", SECRET, now=0)
    assert read_session(cookie, SECRET, now=1) is not None
    assert read_session(cookie, SECRET) is None, "issued at 0, it expired long ago"


def test_csrf_token_matches_only_its_cookie() -> None:
    token = csrf_token("cookie-1", SECRET)
    assert valid_csrf("cookie-1", token, SECRET)
    assert not valid_csrf("cookie-2", token, SECRET)
    assert not valid_csrf(None, token, SECRET)
    assert not valid_csrf("cookie-1", None, SECRET)


def test_limiter_blocks_per_client_and_per_user_then_forgets() -> None:
    limiter = LoginLimiter(limit=3, window=60)
    for _ in range(3):
        limiter.failed("10.0.0.1", "jo", now=0)
    assert limiter.blocked("10.0.0.1", "someone", now=1)
    assert limiter.blocked("127.0.0.9", "JO", now=1)
    assert not limiter.blocked("127.0.0.9", "ann", now=1)
    assert not limiter.blocked("10.0.0.1", "jo", now=61)


def _bytes_kept_by(work: Callable[[], None]) -> int:
    """Memory still allocated once `work` is done: what it left in longer-lived objects."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        work()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_limiter_forgets_failures_once_their_window_has_passed() -> None:
    """Twenty thousand addresses and usernames failing once each, a second apart, leave
    nothing behind once the last of them has left the window."""
    limiter = LoginLimiter(limit=3, window=60)

    def many_distinct_failures() -> None:
        for n in range(20_000):
            limiter.failed(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", f"user{n}", now=n)
        limiter.blocked("10.255.255.255", "last", now=20_000 + 61)

    assert _bytes_kept_by(many_distinct_failures) < 64 * 1024


def test_checking_whether_a_login_is_blocked_remembers_nothing() -> None:
    limiter = LoginLimiter(limit=3, window=60)

    def many_successful_logins() -> None:
        for n in range(20_000):
            assert not limiter.blocked(f"client-{n}", f"user{n}", now=0)

    assert _bytes_kept_by(many_successful_logins) < 64 * 1024


def test_limiter_holds_at_most_max_keys_and_still_blocks_an_attacked_user() -> None:
    """A flood of new addresses inside one window cannot grow memory past `max_keys`,
    and pushes out the least recently failing keys, not the one under attack."""
    limiter = LoginLimiter(limit=3, window=60, max_keys=100)

    def flood_while_attacking_jo() -> None:
        for n in range(20_000):
            limiter.failed(f"client-{n}", "jo" if n % 10 == 0 else f"user{n}", now=n / 1000)

    assert _bytes_kept_by(flood_while_attacking_jo) < 64 * 1024
    assert limiter.blocked("anyone", "jo", now=20)


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
