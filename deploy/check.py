#!/usr/bin/env python3
"""Static checks of the deployment files, run by .ci/run.

No Docker engine or cluster runs here, so this parses what it can: every
YAML file loads, the Kubernetes objects have the parts operations rely on,
the compose file wires the three services with health checks, and the
Dockerfile is multi-stage and drops root. With the path of a built
`kyushoku` binary it also checks that every setting the manifests pass is
one the binary knows.
"""
import pathlib
import re
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent
problems = []


def need(cond, what):
    if not cond:
        problems.append(what)


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


k8s = {}
for path in sorted((ROOT / "k8s").glob("*.yaml")):
    for doc in load_all(path):
        need("kind" in doc and "apiVersion" in doc, f"{path.name}: kind and apiVersion")
        k8s.setdefault(doc["kind"], []).append(doc)

for kind in ["Deployment", "Service", "ConfigMap", "Secret", "HorizontalPodAutoscaler"]:
    need(kind in k8s, f"k8s: a {kind}")

if "Deployment" in k8s:
    pod = k8s["Deployment"][0]["spec"]["template"]["spec"]
    c = pod["containers"][0]
    need(c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/readyz", "readiness probe on /readyz")
    need(c.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/healthz", "liveness probe on /healthz")
    need(pod.get("securityContext", {}).get("runAsNonRoot") is True, "pod runs as non-root")
    refs = [e.get("configMapRef", e.get("secretRef", {})).get("name") for e in c.get("envFrom", [])]
    need("kyushoku" in refs, "container takes its settings from the ConfigMap and Secret")

if "HorizontalPodAutoscaler" in k8s:
    target = k8s["HorizontalPodAutoscaler"][0]["spec"]["scaleTargetRef"]
    need(target["kind"] == "Deployment" and target["name"] == "kyushoku", "HPA scales the Deployment")

compose = load_all(ROOT / "compose.yaml")[0]
services = compose.get("services", {})
for name in ["kyushoku", "postgres", "redis"]:
    need(name in services, f"compose: service {name}")
    need("healthcheck" in services.get(name, {}), f"compose: {name} has a health check")
app = services.get("kyushoku", {})
env = app.get("environment", {})
need(str(env.get("DATABASE_URL", "")).startswith("postgres://"), "compose: kyushoku on PostgreSQL")
need(str(env.get("REDIS_URL", "")).startswith("redis://"), "compose: kyushoku with Redis")
for dep in ["postgres", "redis"]:
    need(app.get("depends_on", {}).get(dep, {}).get("condition") == "service_healthy", f"compose: waits for {dep}")

dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
froms = re.findall(r"^FROM\s+\S+(?:\s+AS\s+(\S+))?", dockerfile, re.M | re.I)
need(len(froms) >= 2, "Dockerfile: multi-stage")
users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
need(bool(users) and not users[-1].startswith(("root", "0")), "Dockerfile: runs as non-root")
need("COPY --from=build" in dockerfile, "Dockerfile: runtime copies only the built binary")

if len(sys.argv) > 1:
    help_text = subprocess.run([sys.argv[1], "serve", "--help"], capture_output=True, text=True, check=True).stdout
    settings = set(k8s.get("ConfigMap", [{}])[0].get("data", {}))
    settings |= set(k8s.get("Secret", [{}])[0].get("stringData", {}))
    settings |= set(env)
    for key in sorted(settings):
        need(key in help_text, f"setting {key} is known to `kyushoku serve`")

if problems:
    for p in problems:
        print(f"deploy check failed: {p}", file=sys.stderr)
    sys.exit(1)
print(f"deploy files ok: {sum(len(v) for v in k8s.values())} Kubernetes objects, {len(services)} compose services")
