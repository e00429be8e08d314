"""The development node's prerequisites fail with messages a newcomer can act on."""

from pathlib import Path

import pytest

from evidence.devnode import _fetch_zip, find_java
from evidence.errors import DevnodeError
from evidence.settings import Settings


def test_too_old_or_missing_java_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ES_JAVA_HOME", str(tmp_path))
    with pytest.raises(DevnodeError, match="not Java 21 or newer"):
        find_java()


def test_java_is_found_without_es_java_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ES_JAVA_HOME", raising=False)
    assert find_java().major >= 21


def test_missing_maven_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    settings = Settings(devnode_dir=tmp_path)
    with pytest.raises(DevnodeError, match="apt-get install maven"):
        _fetch_zip(settings, tmp_path / "downloads")
