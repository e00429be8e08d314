"""No Docker engine runs here, so the compose file is checked by reading it."""

from pathlib import Path

import yaml

ROOT = Path(__file__).parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_elasticsearch_is_the_official_9x_image_single_node_with_heap_and_volume() -> None:
    service = _compose()["services"]["elasticsearch"]
    assert service["image"].startswith("docker.elastic.co/elasticsearch/elasticsearch:9.")
    env = service["environment"]
    assert env["discovery.type"] == "single-node"
    assert "-Xmx" in env["ES_JAVA_OPTS"]
    assert any(volume.startswith("esdata:") for volume in service["volumes"])
    assert "_cluster/health" in " ".join(service["healthcheck"]["test"])


def test_api_and_indexer_wait_for_a_healthy_node_and_share_the_same_build() -> None:
    services = _compose()["services"]
    for name in ("api", "indexer"):
        assert services[name]["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
        assert services[name]["environment"]["ELASTICSEARCH_URL"] == "http://elasticsearch:9200"
    assert services["api"]["build"] == services["indexer"]["build"]
    assert (ROOT / services["api"]["build"]["dockerfile"]).is_file()
    assert services["indexer"]["restart"] == "no"


def test_compose_versions_match_the_devnode_major() -> None:
    from evidence.settings import Settings

    image_version = _compose()["services"]["elasticsearch"]["image"].rsplit(":", 1)[1]
    assert image_version == Settings().es_version


def test_the_api_refuses_to_start_without_a_secret_key() -> None:
    api = _compose()["services"]["api"]["environment"]
    assert api["EVIDENCE_SECRET_KEY"].startswith("${EVIDENCE_SECRET_KEY:?")
