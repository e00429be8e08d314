from pathlib import Path

import pytest
from pydantic import ValidationError

from evidence.settings import ENV_PREFIX, Settings

DOCS = Path(__file__).parents[2] / "docs" / "settings.md"


def env_name(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    return alias if isinstance(alias, str) else ENV_PREFIX + field.upper()


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text()
    missing = [env_name(f) for f in Settings.model_fields if f"`{env_name(f)}`" not in text]
    assert missing == []


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELASTICSEARCH_URL", "http://search.example:9201")
    monkeypatch.setenv("EVIDENCE_INDEX_PREFIX", "run7")
    settings = Settings()
    assert (settings.es_url, settings.index_prefix, settings.es_is_loopback) == (
        "http://search.example:9201",
        "run7",
        False,
    )


def test_unknown_evidence_variable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVIDENCE_INDEX_PREFX", "typo")
    with pytest.raises(ValidationError, match="EVIDENCE_INDEX_PREFX"):
        Settings()


@pytest.mark.parametrize("heap", ["2g", "1025m", "64m"])
def test_devnode_heap_is_capped_at_one_gigabyte(heap: str) -> None:
    with pytest.raises(ValidationError, match="heap"):
        Settings(devnode_heap=heap)


def test_index_prefix_must_be_a_valid_index_name() -> None:
    with pytest.raises(ValidationError):
        Settings(index_prefix="Bad-Prefix")


def test_several_nodes_are_accepted_and_the_first_is_probed() -> None:
    settings = Settings(ELASTICSEARCH_URL="http://127.0.0.1:9201/, http://127.0.0.1:9202")
    assert settings.es_hosts == ["http://127.0.0.1:9201", "http://127.0.0.1:9202"]
    assert (settings.es_url, settings.es_port) == ("http://127.0.0.1:9201", 9201)
    with pytest.raises(ValidationError):
        Settings(ELASTICSEARCH_URL="http://127.0.0.1:9201,not a url")


def test_several_api_workers_need_one_shared_secret_key() -> None:
    with pytest.raises(ValidationError, match="needs EVIDENCE_SECRET_KEY"):
        Settings(api_workers=2)
    assert Settings(api_workers=2, secret_key="a shared key of some length").api_workers == 2


def test_redis_url_defaults_to_a_loopback_port_that_is_not_6379(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("EVIDENCE_REDIS_URL", raising=False)
    settings = Settings()
    assert settings.redis_url == "redis://127.0.0.1:6390/0"
    assert (settings.redis_port, settings.redis_is_loopback) == (6390, True)


def test_redis_url_is_read_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVIDENCE_REDIS_URL", "redis://queue.example:6380/3")
    settings = Settings()
    assert (settings.redis_port, settings.redis_is_loopback) == (6380, False)
    for bad in ("http://127.0.0.1:6390", "redis://127.0.0.1:99999/0", "redis://127.0.0.1/x"):
        with pytest.raises(ValidationError, match="redis_url"):
            Settings(redis_url=bad)
