#!/usr/bin/env bash
# Checks the Kubernetes manifests without a cluster (`just check-deploy`
# runs it after installing the tools): renders each overlay with
# `kubectl kustomize`, validates every object against Kubernetes' schemas in
# strict mode (an unknown or misplaced field is an error), runs checkov's
# Kubernetes policies (any failed check that is not skipped with a reason in
# the manifests fails), and holds the client's nginx to the security headers
# of deploy/nginx.
#   DEPLOY_TOOLS   the virtualenv holding kubernetes-validate and checkov
#   K8S_VERSIONS   the Kubernetes versions to validate against
set -euo pipefail
cd "$(dirname "$0")/../.."
tools="${DEPLOY_TOOLS:?the virtualenv of deploy/k8s/requirements.txt}/bin"
versions="${K8S_VERSIONS:?Kubernetes versions, e.g. 1.30.0 1.37.0}"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for overlay in dev prod; do
    rendered="$out/$overlay.yaml"
    kubectl kustomize "deploy/k8s/overlays/$overlay" > "$rendered"
    echo "deploy/k8s/overlays/$overlay: $(grep -c '^kind:' "$rendered") objects rendered"
    for version in $versions; do
        "$tools/kubernetes-validate" --strict --quiet -k "$version" "$rendered"
        echo "deploy/k8s/overlays/$overlay: valid for Kubernetes $version (strict)"
    done
    # --skip-download: the policies in the package, nothing fetched.
    (cd "$out" && "$tools/checkov" -f "$overlay.yaml" --framework kubernetes \
        --compact --quiet --skip-download)
    echo "deploy/k8s/overlays/$overlay: checkov's skips, each with its reason:"
    "$tools/python" - "$rendered" <<'PY'
import sys, yaml
reasons = {}
for doc in yaml.safe_load_all(open(sys.argv[1])):
    meta = (doc or {}).get("metadata", {})
    for key, value in (meta.get("annotations") or {}).items():
        if key.startswith("checkov.io/skip"):
            reasons.setdefault(value, []).append(f"{doc['kind']}/{meta['name']}")
for reason, objects in sorted(reasons.items()):
    print(f"  {reason}\n    ({', '.join(objects)})")
PY
done

# The client's nginx adds the page policies itself (the ingress controller
# adds none): the same lines as the proxy's, or the two drift apart.
headers='^ *add_header (Content-Security-Policy|X-Content-Type-Options|X-Frame-Options|Referrer-Policy|Permissions-Policy|Cross-Origin-Opener-Policy) '
proxy=$(grep -E "$headers" deploy/nginx/templates/default.conf.template | sed 's/^ *//')
client=$(grep -E "$headers" deploy/nginx/client.conf.template | sed 's/^ *//')
if [ "$proxy" != "$client" ] || [ "$(grep -c . <<<"$proxy")" -ne 6 ]; then
    echo "deploy/nginx/client.conf.template must add the six security headers of" >&2
    echo "deploy/nginx/templates/default.conf.template, line for line:" >&2
    diff <(echo "$proxy") <(echo "$client") >&2 || true
    exit 1
fi
echo "deploy/nginx/client.conf.template: the same six security headers as the proxy"
