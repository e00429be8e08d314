"""The development node manager against the real node the session runs on."""

import subprocess
import sys

import elasticsearch

from evidence.devnode import NodeInfo, RedisInfo, cluster_info, ensure_running
from evidence.settings import Settings


def test_a_running_node_is_reused_not_restarted(base_settings: Settings, es_node: NodeInfo) -> None:
    again = ensure_running(base_settings)
    assert again.started_here is False
    assert again.version == es_node.version


def test_node_and_client_share_a_major_version(es_node: NodeInfo) -> None:
    assert es_node.version.split(".")[0] == elasticsearch.__versionstr__.split(".")[0] == "9"


def test_a_closed_port_reads_as_not_answering(base_settings: Settings) -> None:
    closed = base_settings.model_copy(update={"elasticsearch_url": "http://127.0.0.1:9"})
    assert cluster_info(closed) is None


def test_status_command_reports_both_versions(es_node: NodeInfo, redis_server: RedisInfo) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "evidence.devnode", "status"], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert f"answering: yes, {es_node.version}" in run.stdout
    assert f"redis answering: yes, {redis_server.version}" in run.stdout
