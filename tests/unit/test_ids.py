import re

from evidence.ids import stable_id


def test_stable_id_is_deterministic_and_type_scoped() -> None:
    assert stable_id("caesar", "photo", "0001") == stable_id("caesar", "photo", "0001")
    assert stable_id("caesar", "photo", "0001") != stable_id("atlas", "photo", "0001")
    assert stable_id("caesar", "photo", "0001") != stable_id("caesar", "testimony", "0001")


def test_stable_id_is_url_safe_and_reveals_nothing_of_the_local_id() -> None:
    local_id = "Detainee 4512 / Branch 215 / Ahmad"
    identifier = stable_id("caesar", "photo", local_id)
    assert re.fullmatch(r"ph-[a-z2-7]{20}", identifier)
    for part in ("4512", "215", "ahmad"):
        assert part not in identifier
