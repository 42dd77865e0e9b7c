/** Help texts of the command line, one per command. */
export const HELP: Record<string, string> = {
  main: `Usage: ecr-compliance <command> [options]

Turn Amazon ECR image scans into AWS Security Hub findings (ASFF), and block or
unblock pulls from a repository with a Deny statement that keeps its policy.

Offline (no AWS):
  findings          Map a scan (ECR, Trivy or Grype) to ASFF findings
  policy block      Add the deny-pull statement to a repository policy document
  policy unblock    Remove it again

Against AWS (standard credential chain; --endpoint-url or AWS_ENDPOINT_URL for emulators):
  import            Import an image's scan (ECR, Trivy or Grype) into Security Hub
  block             Deny pulls from a repository (keeps every other statement)
  unblock           Remove the deny statement
  status            Which repositories are blocked, and which findings hold a block
  exception         Accept a vulnerability until a date: add, list, remove, import, export

Options: --help (any command), --version
Exit codes: 0 done, 1 invalid input or failed operation, 2 usage error.
`,
  findings: `Usage: ecr-compliance findings [--format F] [--input FILE | FILE] [options]

Reads a scan (FILE, or standard input) and prints a JSON array of ASFF findings.

  --format F           ecr: what 'aws ecr describe-image-scan-findings' prints (default)
                       trivy: 'trivy image -f json IMAGE'; grype: 'grype -o json IMAGE'
  --input FILE         the scan; - or no input: standard input (FILE alone works too)
  --region R           region of the registry (ecr: default $AWS_REGION; trivy, grype:
                       default the region of the report's ECR reference, else $AWS_REGION)
  --granularity G      vulnerability | image | both (default: both)

Trivy and Grype reports name the image by an ECR reference
(ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO@sha256:...). These override it, or give what
the report does not say:
  --repository NAME    repository; picks the image when the report names several
  --image-digest D     registry (manifest) digest, sha256:...
  --account ID         account that owns the registry
  --scanned-at TIME    when the scan ran, ISO-8601 (default: Trivy's CreatedAt, Grype's
                       descriptor.timestamp)

Examples:
  aws ecr describe-image-scan-findings --repository-name app --image-id imageTag=1.0 \\
    | ecr-compliance findings --region us-east-1
  trivy image -f json 111122223333.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:... \\
    | ecr-compliance findings --format trivy -
`,
  policy: `Usage: ecr-compliance policy block [--policy FILE] [--exempt-principal ARN]... [--allow-broad-exemptions]
       ecr-compliance policy unblock [--policy FILE]

Reads a repository policy (the document, or what 'aws ecr get-repository-policy' prints;
no --policy: the repository has none) and prints {"changed": <boolean>, "policy": <document or null>}.
A null policy means the repository should have no policy at all.

  --policy FILE            current policy; - for standard input (default: the repository has none)
  --exempt-principal ARN   IAM role, user or root of one account that keeps pull access (repeatable)
  --allow-broad-exemptions accept a wildcard after a role path or name prefix (role/ci-*)
  --region R               exempt principals must be of its partition (default: $AWS_REGION)
A statement with the Sid EcrComplianceDenyPull that is not this tool's stops both commands.
`,
  import: `Usage: ecr-compliance import --repository R (--image-digest D | --image-tag T) [options]
       ecr-compliance import --format trivy|grype [--input FILE | FILE] [options]

Maps the image's scan to ASFF, compares it with the image's findings in Security Hub
(GetFindings) and imports what changed (BatchImportFindings, within its quota): new and
changed findings, the image finding, and the findings of vulnerabilities no longer reported
as ARCHIVED. The same scan again imports nothing; an older one than the last imported
changes nothing. Prints a JSON summary; progress goes to standard error.

  --format F            ecr (default): fetch the scan with DescribeImageScanFindings
                        trivy, grype: read the scanner's JSON report (FILE or standard input)
  --granularity G       vulnerability | image | both (default: both)
  --dry-run             read Security Hub, print the Ids that would be imported and archived
                        (and, with exceptions, suppressed or restored), write nothing
  --table NAME          exceptions table (default: $ECR_COMPLIANCE_EXCEPTIONS_TABLE): the findings
                        an active exception covers are suppressed after the import
  --max-expiry-days N   with --table: lower the table's limit (tag ecr-compliance:max-expiry-days)
  --state-table NAME    the deployment's state of record (default: $ECR_COMPLIANCE_STATE_TABLE; the
                        construct's stateTable): decide on it instead of GetFindings, hold the
                        image's lease and record what was imported, as the functions do
  --region R            AWS region (ecr: default the SDK's, e.g. $AWS_REGION; trivy, grype:
                        default the region of the report's ECR reference)
  --endpoint-url URL    endpoint of an emulator (default: $AWS_ENDPOINT_URL)

--format ecr:
  --repository R        repository name
  --image-digest D      image digest (sha256:...)
  --image-tag T         image tag
  --registry-id ID      registry (account) id (default: the caller's)

--format trivy, grype (each overrides the report's ECR reference, or gives what it lacks):
  --input FILE          the report; - or no input: standard input (FILE alone works too)
  --repository NAME     repository; picks the image when the report names several
  --image-digest D      registry (manifest) digest, sha256:...
  --account ID          account that owns the registry (must be the caller's)
  --scanned-at TIME     when the scan ran, ISO-8601 (default: the report's own time)

Example (CI):
  trivy image -f json "$IMAGE" | ecr-compliance import --format trivy -
`,
  block: `Usage: ecr-compliance block --repository R [--exempt-principal ARN]... [options]

Adds (or updates) the Deny statement for ecr:BatchGetImage and ecr:GetDownloadUrlForLayer to the
repository policy; every other statement is kept. Prints a JSON summary.

  --repository R            repository name
  --exempt-principal ARN    IAM role, user or root of one account that keeps pull access (repeatable)
  --allow-broad-exemptions  accept a wildcard after a role path or name prefix (role/ci-*)
  --registry-id ID          registry (account) id (default: the caller's)
  --dry-run                 print the policy before and after, change nothing
  --region R, --endpoint-url URL   as for import
`,
  unblock: `Usage: ecr-compliance unblock --repository R [options]

Removes the Deny statement that 'block' added, and nothing else; deletes the policy when
nothing else is left. Prints a JSON summary.

  --repository R            repository name
  --registry-id ID          registry (account) id (default: the caller's)
  --dry-run                 print the policy before and after, change nothing
  --region R, --endpoint-url URL   as for import
`,
  status: `Usage: ecr-compliance status [--repository R] [options]

Reads only. Without --repository: every repository of the registry whose policy holds this
tool's statement (or a statement that borrows its Sid, or a policy that cannot be read), with
its exempt principals and the last block or unblock the audit trail recorded, where Security
Hub still holds it. With --repository: its state, and the active findings of this tool and of
Amazon Inspector at or above the threshold that hold the block (or would hold one).

  --repository R            one repository
  --registry-id ID          registry (account) id (default: the caller's)
  --threshold S             CRITICAL | HIGH | MEDIUM | LOW | INFORMATIONAL (default: HIGH)
  --output O                table (default) | json | markdown (for a CI job summary)
  --limit N                 findings listed with --repository, 1 to 1000 (default: 50)
  --region R, --endpoint-url URL   as for import

Example (CI job summary):
  ecr-compliance status --output markdown >> "$GITHUB_STEP_SUMMARY"
`,
  exception: `Usage: ecr-compliance exception add --vulnerability ID --account ID (--repository NAME |
                       --repository-prefix P | --all-repositories) --justification J
                       --statement TEXT --owner WHO --expires DATE [options]
       ecr-compliance exception list [--output table|json]
       ecr-compliance exception remove ID [--dry-run]
       ecr-compliance exception import --format trivyignore|openvex FILE [scope and owner flags]
       ecr-compliance exception export --format openvex|trivyignore

An exception accepts one vulnerability in a scope until its end date: the findings it covers
(this tool's and Amazon Inspector's) are set to SUPPRESSED with a note that names it, and go
back to NEW when it ends or is removed. Every exception ends; see docs/exceptions.md.

  --table NAME            the exceptions table (default: $ECR_COMPLIANCE_EXCEPTIONS_TABLE)
  --vulnerability ID      CVE, GHSA or distribution advisory id
  --account ID            account of the repositories (12 digits)
  --repository NAME       one repository
  --repository-prefix P   every repository whose name begins with P
  --all-repositories      every repository of the account (must be said explicitly)
  --image-digest D        only this image (sha256:...)
  --package P             only this package, by name or PURL (pkg:apk/alpine/openssl@3.1.4-r0)
  --justification J       component_not_present, vulnerable_code_not_present,
                          vulnerable_code_not_in_execute_path,
                          vulnerable_code_cannot_be_controlled_by_adversary,
                          inline_mitigations_already_exist (OpenVEX), or accepted_risk
  --statement TEXT        why, in your words
  --owner WHO             who answers for it (e-mail, team)
  --expires DATE          YYYY-MM-DD (start of that day, UTC) or an ISO-8601 date-time
  --max-expiry-days N     lower the longest allowed expiry (default: the table's tag
                          ecr-compliance:max-expiry-days, the construct's maxExpiryDays, else 90;
                          also $ECR_COMPLIANCE_MAX_EXPIRY_DAYS); never above the tag
  --id ID                 exc-... (default: a random one)
  --dry-run               add, remove, import: print the findings that would change, change nothing
  --output F              table (default) or json
  --format F              import: trivyignore (.trivyignore.yaml or plain lines with exp:) or
                          openvex (not_affected statements; --expires is required);
                          export: openvex or trivyignore (.trivyignore.yaml), active exceptions only
  --region R, --endpoint-url URL   as for import
`,
};
