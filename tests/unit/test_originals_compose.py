"""The originals store in the production-shaped stack: the indexer writes it and the
API serves images from it, so both must see the same named volume at the same path."""

from pathlib import PurePosixPath

from tests.unit.test_compose import (
    APP_SERVICES,
    SettingsOf,
    _compose,
    _image_folders,
    _image_path,
    _last,
    _named_mounts,
    _volume_holding,
    settings_of,  # noqa: F401 - the fixture, used by name
)


def test_the_originals_store_is_one_named_volume_at_the_same_path_in_every_app_service(
    settings_of: SettingsOf,  # noqa: F811
) -> None:
    compose = _compose()
    services = compose["services"]
    store = _image_path(settings_of("api").originals_dir)
    volume = _volume_holding(services["api"], store)
    assert volume in compose["volumes"]
    for name in APP_SERVICES:
        assert _image_path(settings_of(name).originals_dir) == store, name
        mounts = _named_mounts(services[name])
        assert mounts.get(volume) == store, f"{name} must mount {volume} at {store}"
    mounted = [v for v in services["indexer"]["volumes"] if v.startswith(f"{volume}:")]
    assert mounted == [f"{volume}:{store}"], "the indexer writes the store: not read-only"
    created, owners = _image_folders()
    assert PurePosixPath(store) in created and owners.get(store) == _last("USER")
