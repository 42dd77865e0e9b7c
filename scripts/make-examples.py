#!/usr/bin/env python3
"""Writes the bundled example inputs in examples/ (deterministic: the same files every run).

They have the shape of `aws ecr describe-image-scan-findings` and `aws ecr get-repository-policy`
output and the traits real scans have: hundreds of findings, long and missing descriptions,
non-CVE advisory names, one CVE reported for two packages, an untagged image, a repository name
with slashes, enhanced findings with several packages.
"""
import json
import random
from pathlib import Path

rng = random.Random(20261127)
out = Path(__file__).resolve().parent.parent / "examples"
SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED"]
WEIGHTS = [3, 12, 40, 30, 10, 5]
PACKAGES = ["openssl", "libssl3", "zlib1g", "ncurses-base", "libc6", "curl", "libcurl4", "perl-base",
            "libxml2", "expat", "sqlite3", "libgnutls30", "tar", "gzip", "bash", "coreutils",
            "systemd", "libsystemd0", "apt", "dpkg", "util-linux", "login", "passwd", "libpcre2-8-0"]


def basic_finding(name, pkg, version, severity, description):
    f = {"name": name, "uri": f"https://security-tracker.debian.org/tracker/{name}", "severity": severity,
         "attributes": [{"key": "package_version", "value": version}, {"key": "package_name", "value": pkg}]}
    if description is not None:
        f["description"] = description
    if rng.random() < 0.6:
        f["attributes"] += [{"key": "CVSS2_VECTOR", "value": "AV:N/AC:L/Au:N/C:N/I:N/A:P"},
                            {"key": "CVSS2_SCORE", "value": str(rng.choice([4.3, 5, 6.8, 7.5, 10]))}]
    return f


def basic():
    findings = []
    for i in range(300):
        name = f"CVE-{rng.choice([2019, 2021, 2023, 2024, 2025])}-{10000 + i}"
        if i % 25 == 7:
            name = f"ALAS2023-2025-{800 + i}"
        if i % 31 == 3:
            name = f"GHSA-{i:04x}-mq7f-5x2r"
        pkg = rng.choice(PACKAGES)
        sev = rng.choices(SEVERITIES, WEIGHTS)[0]
        desc = f"A flaw was found in {pkg}. An attacker could trigger it with crafted input."
        if i % 17 == 0:
            desc = None
        elif i % 23 == 0:
            desc = ("In " + pkg + ", a heap-based buffer overflow in the parser allows remote attackers "
                    "to cause a denial of service or possibly execute arbitrary code. ") * 20
        findings.append(basic_finding(name, pkg, f"{rng.randint(1, 9)}.{rng.randint(0, 20)}-{rng.randint(1, 5)}", sev, desc))
    # One CVE in two packages: ECR reports it twice, we make one finding with two packages.
    findings.append(basic_finding("CVE-2024-6119", "openssl", "3.0.13-1~deb12u1", "HIGH",
                                  "Possible denial of service in X.509 name checks."))
    findings.append(basic_finding("CVE-2024-6119", "libssl3", "3.0.13-1~deb12u1", "HIGH",
                                  "Possible denial of service in X.509 name checks."))
    counts = {}
    for f in findings:
        counts[f["severity"]] = counts.get(f["severity"], 0) + 1
    return {
        "registryId": "111122223333",
        "repositoryName": "team-a/services/payments-api",
        "imageId": {"imageDigest": "sha256:9e8e9cd9d4031388e76ffd1f01c039d441df45180e70b83da6e4b3fa6a76ca85"},
        "imageScanStatus": {"status": "COMPLETE", "description": "The scan was completed successfully."},
        "imageScanFindings": {
            "findings": findings,
            "imageScanCompletedAt": "2026-11-20T10:16:02.000000+00:00",
            "vulnerabilitySourceUpdatedAt": "2026-11-20T04:00:00.000000+00:00",
            "findingSeverityCounts": counts,
        },
    }


def enhanced():
    items = []
    for i in range(24):
        vuln = f"CVE-2025-{20000 + i}" if i % 5 else f"GHSA-{i:04x}-j2v9-7q3c"
        pkgs = []
        for j in range(1 + i % 3):
            pkgs.append({"arch": "X86_64", "epoch": 0, "name": PACKAGES[(i + j) % len(PACKAGES)],
                         "packageManager": "OS", "release": "1~deb12u1", "version": f"2.{i}.{j}",
                         "sourceLayerHash": "sha256:77ea7eee3d80b1a38f83906dd3048e2689457eb90e18a7d12f839c5ae37106a2",
                         **({"fixedInVersion": f"0:2.{i}.{j + 1}-1~deb12u2"} if (i + j) % 2 == 0 else {})})
        sev = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNTRIAGED"][i % 5]
        items.append({
            "awsAccountId": "111122223333",
            "description": f"Issue {i} in {pkgs[0]['name']} allows a remote attacker to read memory." if i != 4 else "",
            "findingArn": f"arn:aws:inspector2:us-east-1:111122223333:finding/{i:032x}",
            "firstObservedAt": "2026-11-18T09:00:00.000000+00:00",
            "lastObservedAt": "2026-11-20T10:16:00.000000+00:00",
            "updatedAt": "2026-11-20T10:16:00.000000+00:00",
            "packageVulnerabilityDetails": {
                "cvss": [{"baseScore": [9.8, 7.5, 5.3, 3.1, 0.0][i % 5], "scoringVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "source": "NVD", "version": "3.1"}],
                "referenceUrls": [f"https://www.cve.org/CVERecord?id={vuln}"],
                "relatedVulnerabilities": [],
                "source": "DEBIAN_CVE",
                "sourceUrl": f"https://security-tracker.debian.org/tracker/{vuln}",
                "vendorCreatedAt": "2025-06-01T00:00:00.000000+00:00",
                "vendorSeverity": sev.lower(),
                "vulnerabilityId": vuln,
                "vulnerablePackages": pkgs,
            },
            "remediation": {"recommendation": {"text": f"Upgrade {pkgs[0]['name']} to a fixed version." if i % 2 == 0 else ""}},
            "resources": [{
                "id": "arn:aws:ecr:us-east-1:111122223333:repository/team-b/web/sha256:5f0a0ae4bfe4b9bd3b6b00d4d6a0be6c0cd0f3ad0e1d6a0f8ba18b5a1c0c8c3e",
                "type": "AWS_ECR_CONTAINER_IMAGE",
                "details": {"awsEcrContainerImage": {"architecture": "amd64", "imageHash": "sha256:5f0a0ae4bfe4b9bd3b6b00d4d6a0be6c0cd0f3ad0e1d6a0f8ba18b5a1c0c8c3e",
                                                     "imageTags": ["2.4.0"], "platform": "DEBIAN_12", "pushedAt": "2026-11-18T08:59:00.000000+00:00",
                                                     "registry": "111122223333", "repositoryName": "team-b/web"}},
            }],
            "score": [9.8, 7.5, 5.3, 3.1, 0.0][i % 5],
            "severity": sev,
            "status": "ACTIVE",
            "title": f"{vuln} - {pkgs[0]['name']}",
            "type": "PACKAGE_VULNERABILITY",
            "fixAvailable": "YES" if i % 2 == 0 else "NO",
            "exploitAvailable": "NO",
        })
    # Inspector reports one finding per package: the same advisory twice here.
    twin = json.loads(json.dumps(items[1]))
    twin["findingArn"] = "arn:aws:inspector2:us-east-1:111122223333:finding/" + "f" * 32
    twin["packageVulnerabilityDetails"]["vulnerablePackages"] = [{"name": "libcurl4", "version": "7.88.1", "packageManager": "OS", "fixedInVersion": "NotAvailable"}]
    twin["severity"] = "CRITICAL"
    items.append(twin)
    return {
        "registryId": "111122223333",
        "repositoryName": "team-b/web",
        "imageId": {"imageDigest": "sha256:5f0a0ae4bfe4b9bd3b6b00d4d6a0be6c0cd0f3ad0e1d6a0f8ba18b5a1c0c8c3e", "imageTag": "2.4.0"},
        "imageScanStatus": {"status": "ACTIVE", "description": "Continuous scan is selected for image."},
        "imageScanFindings": {"enhancedFindings": items, "imageScanCompletedAt": "2026-11-20T10:16:02.000000+00:00",
                              "vulnerabilitySourceUpdatedAt": "2026-11-20T04:00:00.000000+00:00"},
    }


def policy():
    doc = {"Version": "2012-10-17", "Statement": [
        {"Sid": "LambdaECRImageRetrievalPolicy", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
         "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
         "Condition": {"StringLike": {"aws:sourceArn": "arn:aws:lambda:us-east-1:111122223333:function:*"}}},
        {"Sid": "AllowCiPush", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/ci-pipeline"},
         "Action": ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"]},
    ]}
    return {"registryId": "111122223333", "repositoryName": "team-a/services/payments-api", "policyText": json.dumps(doc, indent=2)}


for name, data in [("describe-image-scan-findings.basic.json", basic()),
                   ("describe-image-scan-findings.enhanced.json", enhanced()),
                   ("get-repository-policy.json", policy())]:
    (out / name).write_text(json.dumps(data, indent=2) + "\n")
    print(f"wrote examples/{name}")
