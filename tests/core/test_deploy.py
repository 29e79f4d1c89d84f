"""Deployment as seed 000 describes it: port 3000, its Kubernetes probes, its compose health check
(curl, which the image carries). The Dockerfile is linted with hadolint and the manifests are
validated against Kubernetes' schemas with kubernetes-validate (both from requirements-dev.txt),
and the numbers that must agree (ports, probe paths and timings, the user, the secrets' names,
memory against docs/performance.md's worker RSS) are read from each file and compared.
"""
import os
from pathlib import Path
import re
import runpy
import subprocess
import sys

import pytest
import yaml

from config.secret_policy import production_secret_errors
from tests.support.live import ROOT, free_port, http, stop_process, wait_until_listening
from tests.support.production import production_secrets
from tests.support.runserver import LIVE_TIMEOUT

K8S = ROOT / "deploy" / "k8s"
BIN = Path(sys.executable).parent
SEED_DIRS = [ROOT.parent / "shared" / "seeds", Path("/work/shared/seeds")]
SECRET_ENV = ("DJANGO_SECRET_KEY", "JWT_SECRET", "SIGNING_ENCRYPTION_KEY", "DATABASE_URL", "REDIS_URL")


def seed_000() -> str:
    for directory in SEED_DIRS:
        found = sorted(directory.glob("000_*.txt")) if directory.is_dir() else []
        if found:
            return found[0].read_text()
    pytest.skip("seed 000 is not beside this checkout (../shared/seeds)")


def manifest(name: str) -> dict:
    return yaml.safe_load((K8S / name).read_text())


def container() -> dict:
    [api] = manifest("deployment.yaml")["spec"]["template"]["spec"]["containers"]
    return api


def env_of(api: dict) -> dict:
    return {item["name"]: item for item in api["env"]}


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def mebibytes(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()
    return int(number) * (1024 if unit == "Gi" else 1)


# --- the tools CI runs ------------------------------------------------------------------------


def test_hadolint_passes_the_dockerfile():
    done = subprocess.run([BIN / "hadolint", "--failure-threshold", "info", "Dockerfile"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_would_refuse_an_image_running_as_root_with_an_unpinned_apt_install(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:3.11-slim\nRUN apt-get update && apt-get install -y curl\nCMD python app.py\n")
    done = subprocess.run([BIN / "hadolint", "--failure-threshold", "info", str(bad)], capture_output=True, text=True)
    assert done.returncode == 1
    assert {"DL3008", "DL3009", "DL3015", "DL3025"} <= set(re.findall(r"DL\d{4}", done.stdout)), done.stdout


def test_kubernetes_validate_passes_every_manifest_strictly():
    files = sorted(K8S.glob("*.yaml"))
    assert [f.name for f in files] == ["deployment.yaml", "secret.example.yaml", "service.yaml"]
    done = subprocess.run([BIN / "kubernetes-validate", "--strict", *map(str, files)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(" passed for resource ") == 3, done.stdout


def test_kubernetes_validate_would_refuse_a_broken_probe(tmp_path):
    broken = (K8S / "deployment.yaml").read_text().replace("periodSeconds: 10", "periodSeconds: ten", 1)
    (tmp_path / "deployment.yaml").write_text(broken)
    done = subprocess.run([BIN / "kubernetes-validate", "--strict", str(tmp_path / "deployment.yaml")],
                          capture_output=True, text=True)
    assert done.returncode != 0
    assert "'ten' is not of type 'integer'" in done.stdout + done.stderr


# --- what must agree with the seed --------------------------------------------------------------


def seed_probes() -> dict[str, dict]:
    """seed 000's Kubernetes example: {"livenessProbe": {path, port, initialDelaySeconds, periodSeconds}, ...}."""
    text = seed_000()
    probes = {}
    for name in ("livenessProbe", "readinessProbe"):
        match = re.search(name + r": httpGet: path: (\S+) port: (\d+) initialDelaySeconds: (\d+) periodSeconds: (\d+)", text)
        assert match, f"seed 000 no longer shows {name} as expected"
        path, port, delay, period = match.groups()
        probes[name] = {"path": path, "port": int(port), "initialDelaySeconds": int(delay), "periodSeconds": int(period)}
    return probes


def seed_compose_healthcheck() -> dict:
    match = re.search(r"healthcheck: test: (\[.*?\]) interval: (\S+) timeout: (\S+) retries: (\d+) "
                      r"start_period: (\S+)", seed_000())
    assert match, "seed 000 no longer shows its compose health check as expected"
    test, interval, timeout, retries, start = match.groups()
    return {"test": yaml.safe_load(test), "interval": interval, "timeout": timeout, "retries": int(retries),
            "start_period": start}


def test_the_probes_are_seed_000s():
    api = container()
    for name, expected in seed_probes().items():
        probe = api[name]
        assert probe["httpGet"] == {"path": expected["path"], "port": expected["port"]}
        timings = ("initialDelaySeconds", "periodSeconds")
        assert [probe[key] for key in timings] == [expected[key] for key in timings]
        # the compose check's timeout, above the probe's own bound for a slow dependency
        assert probe["timeoutSeconds"] == int(seed_compose_healthcheck()["timeout"].rstrip("s")) == 3
    assert seed_probes()["livenessProbe"]["path"] == "/api/v1/health"


def test_port_3000_from_the_image_to_the_service():
    port = seed_probes()["readinessProbe"]["port"]
    assert port == 3000 and "api2.procure-core.com:3000" in seed_000()  # the nginx upstream's port too
    assert re.search(r"^    PORT=3000$", dockerfile(), re.M)
    assert re.search(r"^EXPOSE 3000$", dockerfile(), re.M)
    api = container()
    assert api["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    assert env_of(api)["PORT"]["value"] == str(port)
    [service_port] = manifest("service.yaml")["spec"]["ports"]
    assert (service_port["port"], service_port["targetPort"]) == (port, "http")
    assert manifest("service.yaml")["spec"]["selector"] == manifest("deployment.yaml")["spec"]["selector"]["matchLabels"]


def test_compose_runs_seed_000s_health_check_on_port_3000():
    web = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]
    seed = seed_compose_healthcheck()
    assert web["healthcheck"]["test"] == seed["test"] == ["CMD", "curl", "-f", "http://localhost:3000/api/v1/health"]
    assert {k: web["healthcheck"][k] for k in ("interval", "timeout", "retries", "start_period")} == {
        k: seed[k] for k in ("interval", "timeout", "retries", "start_period")}
    assert web["ports"] == ["3000:3000"]


def test_the_image_carries_curl_and_its_health_check_is_the_seeds():
    text = dockerfile()
    install = re.search(r"^RUN apt-get update \\\n\s+&& apt-get install -y --no-install-recommends curl \\\n"
                        r"\s+&& rm -rf /var/lib/apt/lists/\*$", text, re.M)
    assert install, "curl is installed without recommends, the package lists removed in the same layer"
    seed = seed_compose_healthcheck()
    healthcheck = re.search(r"^HEALTHCHECK (.*?) \\\n\s+CMD (.*)$", text, re.M)
    assert healthcheck.group(1) == (f"--interval={seed['interval']} --timeout={seed['timeout']} "
                                    f"--start-period={seed['start_period']} --retries={seed['retries']}")
    assert yaml.safe_load(healthcheck.group(2)) == [
        "sh", "-c", 'curl -f -sS -o /dev/null "http://localhost:${PORT}/api/v1/health" || exit 1']


def test_the_pod_runs_as_the_images_non_root_user_with_nothing_more():
    pod = manifest("deployment.yaml")["spec"]["template"]["spec"]
    uid = int(re.search(r"^USER (\d+)$", dockerfile(), re.M).group(1))
    assert re.search(rf"useradd --system --uid {uid} ", dockerfile())
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == uid == 10001
    assert pod["automountServiceAccountToken"] is False
    context = container()["securityContext"]
    assert context == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}
    # a read-only root: what gunicorn and the metrics write goes to the one writable volume
    env = env_of(container())
    [mount] = container()["volumeMounts"]
    assert mount["mountPath"] == "/tmp"
    assert env["XDG_RUNTIME_DIR"]["value"] == "/tmp" and env["PROMETHEUS_MULTIPROC_DIR"]["value"].startswith("/tmp/")


def test_the_secrets_come_from_the_secret_whose_example_production_refuses():
    env = env_of(container())
    example = manifest("secret.example.yaml")
    for name in SECRET_ENV:
        assert "value" not in env[name], name
        assert env[name]["valueFrom"]["secretKeyRef"] == {"name": example["metadata"]["name"], "key": name}
    assert sorted(example["stringData"]) == sorted(SECRET_ENV)
    placeholders = {k: example["stringData"][k] for k in ("DJANGO_SECRET_KEY", "JWT_SECRET", "SIGNING_ENCRYPTION_KEY")}
    assert len(production_secret_errors(placeholders)) == 3  # never a start on the example's values


def test_the_resources_fit_the_workers_measured_in_docs_performance():
    """Memory requested covers the configured workers at the peak RSS docs/performance.md measured
    for 2 x 2 (its "Worker sizing" table), plus the master; the limit leaves headroom above."""
    row = next(line for line in (ROOT / "docs" / "performance.md").read_text().splitlines() if line.startswith("| 2 x 2 |"))
    peak_worker_mb = max(int(n) for n in re.findall(r"(\d+) MB", row.rsplit("|", 2)[-2]) + re.findall(r"-(\d+) MB", row))
    env = env_of(container())
    workers, threads = int(env["GUNICORN_WORKERS"]["value"]), int(env["GUNICORN_THREADS"]["value"])
    assert (workers, threads) == (2, 2)  # the measured shape
    resources = container()["resources"]
    master_mb = 30  # measured: 27 MB RSS (docs/operations.md)
    requested = mebibytes(resources["requests"]["memory"]) * 1.048576  # MiB -> MB
    limit = mebibytes(resources["limits"]["memory"]) * 1.048576
    assert requested >= workers * peak_worker_mb + master_mb
    assert limit >= 1.25 * requested
    assert resources["requests"]["cpu"] == "1" and resources["limits"]["cpu"] == str(workers)


# --- the port, live -----------------------------------------------------------------------------


def test_gunicorn_conf_binds_port_8000_by_default_and_port_from_the_environment(monkeypatch):
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"] == "0.0.0.0:8000"  # make serve, as documented
    monkeypatch.setenv("PORT", "3000")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"] == "0.0.0.0:3000"
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:18999")  # wins (image_check.sh sets it)
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"] == "127.0.0.1:18999"


def test_the_images_command_shape_serves_on_port_and_answers_the_seeds_curl(tmp_path):
    """gunicorn -c gunicorn.conf.py, as the image runs it, with PORT set and no GUNICORN_BIND:
    seed 000's `curl -f http://localhost:PORT/api/v1/health` succeeds."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "GUNICORN_BIND", "DJANGO_DEBUG"}}
    env.update(production_secrets(), DJANGO_ENV="production", PORT=str(port), GUNICORN_WORKERS="1",
               SQLITE_PATH=str(tmp_path / "db.sqlite3"), PRESENCE_SNAPSHOTS_AUTOSTART="false", LOG_LEVEL="WARNING")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "gunicorn.conf.py"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_until_listening(process, port, lambda: process.stdout.read().decode(errors="replace"))
        done = subprocess.run(["curl", "-f", "-sS", "-m", str(LIVE_TIMEOUT), f"http://localhost:{port}/api/v1/health"],
                              capture_output=True, text=True)
        status, _, _ = http("GET", f"http://127.0.0.1:{port}/api/v1/health", timeout=LIVE_TIMEOUT)
    finally:
        stop_process(process, timeout=10)
    assert done.returncode == 0, done.stderr
    assert '"status":"healthy"' in done.stdout and status == 200
