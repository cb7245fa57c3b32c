"""Issue 11, item 6: the Helm chart (deploy/helm/complaints) renders, and what it renders passes
kubeconform offline — Kubernetes' own schemas (strict) and the Strimzi / CloudNativePG CRD schemas
derived in deploy/helm/crd-schemas — and deploys every Procfile process with its probes on its own
health port, resources, secrets and Prometheus scrape annotations.

helm and kubeconform are built by deploy/helm/tools.sh into .state/tools (Go module proxy, once);
without a Go toolchain these tests skip and say so.
"""

from __future__ import annotations

import copy
import importlib
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.keyring import DEVELOPMENT_MASTER_KEY
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "complaints"
CRD_SCHEMAS = ROOT / "deploy" / "helm" / "crd-schemas"
K8S_VERSION = "1.34.0"

# The first test may wait for helm to be built (a few minutes on a loaded machine).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]


@pytest.fixture(scope="module")
def tools() -> Path:
    answer = subprocess.run(
        ["bash", str(ROOT / "deploy" / "helm" / "tools.sh")], capture_output=True, text=True, timeout=1200
    )
    if answer.returncode == 3:
        pytest.skip(f"helm/kubeconform cannot be built here: {answer.stderr.strip()}")
    assert answer.returncode == 0, answer.stderr
    return Path(answer.stdout.strip())


def render(tools: Path, *sets: str) -> str:
    args = [str(tools / "helm"), "template", "complaints", str(CHART), "--kube-version", K8S_VERSION]
    for value in sets:
        args += ["--set", value]
    answer = subprocess.run(args, capture_output=True, text=True, check=False)
    assert answer.returncode == 0, answer.stderr
    return answer.stdout


def kubeconform(tools: Path, manifests: str) -> subprocess.CompletedProcess[str]:
    schemas = tools / "k8s-schemas" / f"v{K8S_VERSION}"
    return subprocess.run(
        [
            str(tools / "kubeconform"),
            "-strict",
            "-summary",
            "-schema-location",
            f"{schemas}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
            "-schema-location",
            f"{CRD_SCHEMAS}/{{{{ .Group }}}}/{{{{ .ResourceKind }}}}_{{{{ .ResourceAPIVersion }}}}.json",
            "-",
        ],
        input=manifests,
        capture_output=True,
        text=True,
        check=False,
    )


def documents(manifests: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(manifests) if d]


def procfile_processes() -> list[str]:
    lines = (ROOT / "deploy" / "Procfile").read_text().splitlines()
    return [line.split(":", 1)[0] for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize(
    "sets",
    [
        (),
        (
            "secrets.create=true",
            "secrets.values.intake.INTAKE_CIPHER_KEY=placeholder",
            "kafka.storageClass=fast",
            "postgres.storageClass=fast",
            "env.OIDC_ISSUER=https://sign-in.example.org",
        ),
        ("kafka.create=false", "kafka.bootstrapServers=kafka-0:9092", "postgres.create=false", "metrics.scrape=false"),
    ],
    ids=["defaults", "test-cluster", "external-kafka-and-postgres"],
)
def test_the_chart_passes_kubeconform_with_the_crd_schemas(tools: Path, sets: tuple[str, ...]) -> None:
    manifests = render(tools, *sets)
    answer = kubeconform(tools, manifests)
    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert "Invalid: 0, Errors: 0, Skipped: 0" in answer.stdout, answer.stdout
    kinds = {d["kind"] for d in documents(manifests)}
    assert {"Deployment", "Service", "ConfigMap", "Job"} <= kinds
    if not sets:
        assert {"Kafka", "KafkaNodePool", "Cluster"} <= kinds


@pytest.mark.parametrize(
    ("kind", "break_it", "complaint"),
    [
        ("Deployment", lambda d: d["spec"]["template"]["spec"]["containers"][0].update(probe={}), "probe"),
        ("Deployment", lambda d: d["spec"].update(replicas="two"), "replicas"),
        ("Kafka", lambda d: d["spec"]["kafka"]["listeners"][0].update(type="bogus"), "type"),
        ("Kafka", lambda d: d["spec"]["kafka"].pop("listeners"), "listeners"),
        ("KafkaNodePool", lambda d: d["spec"].update(roles=["leader"]), "roles"),
        ("Cluster", lambda d: d["spec"].update(instances="three"), "instances"),
        ("Cluster", lambda d: d["spec"]["storage"].update(sise="1Gi"), "sise"),
    ],
)
def test_kubeconform_catches_a_broken_resource(tools: Path, kind: str, break_it: Any, complaint: str) -> None:
    """The validation can fail: one planted error in one resource, for built-in kinds and CRDs alike."""
    docs = documents(render(tools))
    target = copy.deepcopy(next(d for d in docs if d["kind"] == kind))
    break_it(target)
    answer = kubeconform(tools, yaml.safe_dump(target))
    assert answer.returncode != 0, answer.stdout
    assert complaint in answer.stdout, answer.stdout


def test_every_procfile_process_is_a_deployment_with_probes_on_its_own_port_and_scraped(tools: Path) -> None:
    docs = documents(render(tools))
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    assert sorted(deployments) == sorted(procfile_processes())
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    for name, deployment in deployments.items():
        service, kind = name.rsplit("-", 1)
        port = values["services"][service]["httpPort"] + {"http": 0, "relay": 100, "worker": 200}[kind]
        pod = deployment["spec"]["template"]
        container = pod["spec"]["containers"][0]
        assert pod["metadata"]["annotations"] == {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(port),
            "prometheus.io/path": "/metrics",
        }
        assert container["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": port}
        ready = "/health/live" if kind == "http" else "/health/ready"
        assert container["readinessProbe"]["httpGet"] == {"path": ready, "port": port}
        assert container["startupProbe"]["httpGet"]["port"] == port
        assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
        assert services[name]["spec"]["ports"][0]["port"] == port
        # Only its own service's secrets (and the keyring's settings for its holders: see below).
        assert container["envFrom"] == [{"secretRef": {"name": f"complaints-{service}"}}]
        assert all(
            e["name"].startswith((service.upper() + "_", "KAFKA_", "COMPLAINTS_", "LOG_", "KEYRING_"))
            for e in container["env"]
        )
        if kind == "relay":
            assert deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"]["type"] == "Recreate"
        if values["services"][service].get("store") != "none":
            env = {e["name"]: e for e in container["env"]}
            assert env[f"{service.upper()}_STORE"]["value"] == "postgres"
            assert (
                env[f"{service.upper()}_POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "complaints-db-app"
            )


def test_kafka_is_three_kraft_nodes_with_three_copies_and_two_in_sync(tools: Path) -> None:
    docs = documents(render(tools))
    kafka = next(d for d in docs if d["kind"] == "Kafka")
    pool = next(d for d in docs if d["kind"] == "KafkaNodePool")
    assert pool["spec"]["replicas"] == 3 and set(pool["spec"]["roles"]) == {"controller", "broker"}
    config = kafka["spec"]["kafka"]["config"]
    assert config["min.insync.replicas"] == 2 and config["default.replication.factor"] == 3
    assert config["unclean.leader.election.enable"] is False
    env = {
        e["name"]: e.get("value")
        for d in docs
        if d["kind"] == "Deployment"
        for e in d["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert (env["KAFKA_REPLICATION_FACTOR"], env["KAFKA_MIN_INSYNC_REPLICAS"]) == ("3", "2")
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "complaints-kafka-bootstrap:9092"


def keyring_holders() -> set[str]:
    """The services whose settings hold a keyring (they seal or open personal data: docs/privacy.md)."""
    holders = set()
    for package in sorted((ROOT / "services").iterdir()):
        if (package / "settings.py").exists():
            module = importlib.import_module(f"services.{package.name}.settings")
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, ServiceSettings) and "keyring" in value.model_fields:
                    holders.add(package.name)
    return holders


def secrets_read(container: dict[str, Any]) -> set[str]:
    """Every Secret a container's environment reads, by name."""
    named = {ref["secretRef"]["name"] for ref in container.get("envFrom", [])}
    for variable in container["env"]:
        reference = variable.get("valueFrom", {}).get("secretKeyRef")
        if reference:
            named.add(reference["name"])
    return named


@pytest.mark.parametrize(
    "sets", [(), ("secrets.create=true", "keyring.secret=vault-keyring")], ids=["default", "named"]
)
def test_only_the_keyring_holders_get_the_keyring_and_every_process_only_its_own_secrets(
    tools: Path, sets: tuple[str, ...]
) -> None:
    """Issue 13: KEYRING_* (store, master key from its own Secret, previous master keys) reaches intake,
    triage, the projection and the notifier alone; every other Secret a process reads is its service's
    own or the database's."""
    holders = keyring_holders()
    assert holders == {"intake", "triage", "projection", "notifier"}  # docs/privacy.md's table
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert set(values["keyring"]["holders"]) == holders
    keyring_secret = "vault-keyring" if sets else "complaints-keyring"
    docs = documents(render(tools, *sets))
    seen = set()
    for deployment in (d for d in docs if d["kind"] == "Deployment"):
        service = deployment["metadata"]["labels"]["complaints/service"]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e for e in container["env"]}
        keyring = {name for name in env if name.startswith("KEYRING_")}
        allowed = {f"complaints-{service}", "complaints-db-app"}
        if service in holders:
            seen.add(service)
            assert env["KEYRING_STORE"]["value"] == "postgres"
            assert env["KEYRING_POSTGRES_HOST"]["value"] == "complaints-db-rw"
            master = env["KEYRING_MASTER_KEY"]["valueFrom"]["secretKeyRef"]
            assert master == {"name": keyring_secret, "key": "master-key"} and "value" not in env["KEYRING_MASTER_KEY"]
            previous = env["KEYRING_PREVIOUS_MASTER_KEYS"]["valueFrom"]["secretKeyRef"]
            assert previous == {"name": keyring_secret, "key": "previous-master-keys", "optional": True}
            allowed.add(keyring_secret)
        else:
            assert not keyring, f"{deployment['metadata']['name']} gets the keyring's {sorted(keyring)}"
        read = secrets_read(container)
        assert read <= allowed, f"{deployment['metadata']['name']} reads another's secrets: {sorted(read - allowed)}"
    assert seen == holders
    if sets:  # a test cluster's Secrets: the keyring's holds what values give it, nothing by default
        made = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Secret"}
        assert made[keyring_secret].get("stringData") in (None, {})


def test_production_values_carry_no_development_master_key(tools: Path) -> None:
    """The chart's values name no master key at all (it comes from a Secret made outside the chart),
    so nothing rendered carries the development key that `make up` runs with."""
    assert DEVELOPMENT_MASTER_KEY not in (CHART / "values.yaml").read_text()
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert values["env"]["COMPLAINTS_ENV"] == "production"  # where every holder refuses the development key
    assert not values["secrets"]["values"].get("keyring")
    for sets in [(), ("secrets.create=true",)]:
        manifests = render(tools, *sets)
        assert DEVELOPMENT_MASTER_KEY not in manifests
        assert "KEYRING_MASTER_KEY" in manifests and "value: " + DEVELOPMENT_MASTER_KEY not in manifests


def test_the_topics_job_sets_the_office_topic_s_retention(tools: Path) -> None:
    """issue 13: complaints.office.registrations (complainants in clear) is kept as the values say, and
    the hook Job that creates (and reconfigures) the topics is given it; the default is the setting's."""
    from shared.settings import KafkaSettings

    for sets, hours in [
        ((), KafkaSettings().office_topic_retention_hours),
        (("kafka.officeTopicRetentionHours=24",), 24),
    ]:
        job = next(d for d in documents(render(tools, *sets)) if d["kind"] == "Job")
        env = {e["name"]: e.get("value") for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert env["KAFKA_OFFICE_TOPIC_RETENTION_HOURS"] == str(hours)
