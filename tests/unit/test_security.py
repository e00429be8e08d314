from search_api.security import (
    LoginLimiter,
    csrf_token,
    hash_password,
    hash_token,
    new_token,
    read_session,
    sign_session,
    valid_csrf,
    verify_password,
)

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
