#!/usr/bin/python3
"""weir-aws: the few AWS calls the agent host makes outside the agent itself, with the instance role.

Standard library only (python3 is on every Debian/Ubuntu AMI; the AWS CLI is not), signed with
SigV4. Credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, else the instance
profile over IMDSv2. AWS_ENDPOINT_URL and AWS_EC2_METADATA_SERVICE_ENDPOINT override endpoints.

  weir-aws attach-volume VOLUME_ID DEVICE     attach the data volume to this instance, wait until attached
  weir-aws s3-get s3://BUCKET/KEY FILE         download an object (the agent package)
  weir-aws ssm-get NAME FILE                   a SecureString parameter, decrypted, into FILE (mode 0600)
  weir-aws ssm-put NAME FILE                   overwrite a String parameter with FILE (the public CA)
  weir-aws push                                publish the agent's heartbeat metrics and new log lines
Errors name the call and AWS's error code, never a secret value.
"""
import datetime
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT = 10  # seconds per HTTP request: the host is on a VPC endpoint or an inspecting proxy


class AwsError(Exception):
    pass


def imds(path, token=None, method="GET"):
    base = os.environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://169.254.169.254").rstrip("/")
    headers = {"X-aws-ec2-metadata-token": token} if token else {"X-aws-ec2-metadata-token-ttl-seconds": "300"}
    req = urllib.request.Request(base + path, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            return resp.read().decode()
    except (urllib.error.URLError, OSError) as e:
        raise AwsError(f"instance metadata (IMDSv2) {path}: {e}") from None


def imds_get(path):
    return imds(path, imds("/latest/api/token", method="PUT"))


def credentials():
    if os.environ.get("AWS_ACCESS_KEY_ID") and os.environ.get("AWS_SECRET_ACCESS_KEY"):
        return os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"], os.environ.get("AWS_SESSION_TOKEN")
    role = imds_get("/latest/meta-data/iam/security-credentials/").split()[0]
    c = json.loads(imds_get("/latest/meta-data/iam/security-credentials/" + role))
    return c["AccessKeyId"], c["SecretAccessKey"], c.get("Token")


def region():
    r = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return r or imds_get("/latest/meta-data/placement/region")


def endpoint(service, reg):
    override = os.environ.get("AWS_ENDPOINT_URL_" + service.upper()) or os.environ.get("AWS_ENDPOINT_URL")
    if override:
        return override.rstrip("/")
    return f"https://{service}.{reg}.amazonaws.com"


def call(service, method, path, body=b"", headers=None, query=""):
    """One SigV4-signed request; returns the body. A non-2xx answer raises with AWS's error code."""
    reg = region()
    key, secret, token = credentials()
    url = endpoint(service, reg) + path
    parts = urllib.parse.urlsplit(url)
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload_hash = hashlib.sha256(body).hexdigest()
    hdrs = {"host": parts.netloc, "x-amz-date": amz_date, "x-amz-content-sha256": payload_hash}
    if token:
        hdrs["x-amz-security-token"] = token
    for k, v in (headers or {}).items():
        hdrs[k.lower()] = v
    canon_query = "&".join(sorted(f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
                                  for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True)))
    signed = ";".join(sorted(hdrs))
    # The path is already URI-encoded once (s3-get quotes the key), which is what SigV4 wants.
    canonical = "\n".join([method, parts.path or "/", canon_query,
                           "".join(f"{k}:{hdrs[k].strip()}\n" for k in sorted(hdrs)), signed, payload_hash])
    scope = f"{day}/{reg}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (day, reg, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    hdrs["authorization"] = f"AWS4-HMAC-SHA256 Credential={key}/{scope}, SignedHeaders={signed}, Signature={signature}"
    del hdrs["host"]
    req = urllib.request.Request(url + ("?" + query if query else ""), data=body if method != "GET" else None,
                                 method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            return resp.read()
    except urllib.error.HTTPError as e:
        text = e.read().decode(errors="replace")
        code = re.search(r"<Code>([^<]+)</Code>", text)
        code = code.group(1) if code else (json.loads(text).get("__type", "") if text.startswith("{") else "")
        raise AwsError(f"{service} {method} {path}: HTTP {e.code} {code.split('#')[-1] or text[:200]}") from None
    except (urllib.error.URLError, OSError) as e:
        raise AwsError(f"{service}: {e}") from None


def json_call(service, target, payload):
    body = json.dumps(payload).encode()
    out = call(service, "POST", "/", body, {"content-type": "application/x-amz-json-1.1", "x-amz-target": target})
    return json.loads(out or b"{}")


def query_call(service, action, version, params):
    body = urllib.parse.urlencode({"Action": action, "Version": version, **params}).encode()
    return call(service, "POST", "/", body, {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}).decode()


def attach_volume(volume_id, device):
    instance = os.environ.get("WEIR_INSTANCE_ID") or imds_get("/latest/meta-data/instance-id")
    describe = lambda: query_call("ec2", "DescribeVolumes", "2016-11-15", {"VolumeId.1": volume_id})
    state = re.findall(r"<instanceId>([^<]+)</instanceId>\s*<device>[^<]*</device>\s*<status>([^<]+)</status>", describe())
    if not any(i == instance for i, _ in state):
        # The previous instance of the group may still hold it while it terminates: retry for a while.
        for attempt in range(60):
            try:
                query_call("ec2", "AttachVolume", "2016-11-15",
                           {"VolumeId": volume_id, "InstanceId": instance, "Device": device})
                break
            except AwsError as e:
                if "VolumeInUse" not in str(e) or attempt == 59:
                    raise
                time.sleep(5)
    for _ in range(60):
        if re.search(rf"<instanceId>{re.escape(instance)}</instanceId>\s*<device>[^<]*</device>\s*<status>attached</status>", describe()):
            print(f"weir-aws: {volume_id} attached to {instance} as {device}")
            return
        time.sleep(2)
    raise AwsError(f"{volume_id} did not reach 'attached' on {instance}")


def write_private(path, data):
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def s3_get(url, dest):
    m = re.match(r"^s3://([^/]+)/(.+)$", url)
    if not m:
        raise AwsError(f"s3-get: {url} is not s3://BUCKET/KEY")
    write_private(dest, call("s3", "GET", f"/{m.group(1)}/{urllib.parse.quote(m.group(2))}"))


def ssm_get(name, dest):
    value = json_call("ssm", "AmazonSSM.GetParameter", {"Name": name, "WithDecryption": True})["Parameter"]["Value"]
    write_private(dest, value.encode())


def ssm_put(name, path):
    with open(path) as f:
        json_call("ssm", "AmazonSSM.PutParameter", {"Name": name, "Value": f.read(), "Type": "String", "Overwrite": True})


def heartbeat(metrics_url, now):
    """(AgentUp, SecondsSinceLastSuccess or None) from the agent's Prometheus /metrics."""
    try:
        with urllib.request.urlopen(metrics_url, timeout=TIMEOUT) as resp:
            text = resp.read().decode()
    except (urllib.error.URLError, OSError):
        return 0.0, None
    up = re.search(r"^weir_store_up(?:\{[^}]*\})? ([0-9.eE+-]+)$", text, re.M)
    successes = [float(v) for v in re.findall(r"^weir_last_success_timestamp_seconds\{[^}]*\} ([0-9.eE+-]+)$", text, re.M)]
    return (1.0 if up and float(up.group(1)) == 1 else 0.0), (max(0.0, now - min(successes)) if successes else None)


def push():
    name, namespace = os.environ["WEIR_NAME"], os.environ.get("WEIR_METRIC_NAMESPACE", "Weir")
    up, stale = heartbeat(os.environ.get("WEIR_METRICS_URL", "http://127.0.0.1:9464/metrics"), time.time())
    params = {"Namespace": namespace}
    data = [("AgentUp", up, "Count")] + ([("SecondsSinceLastSuccess", stale, "Seconds")] if stale is not None else [])
    for i, (metric, value, unit) in enumerate(data, 1):
        params.update({f"MetricData.member.{i}.MetricName": metric, f"MetricData.member.{i}.Value": repr(value),
                       f"MetricData.member.{i}.Unit": unit,
                       f"MetricData.member.{i}.Dimensions.member.1.Name": "Agent",
                       f"MetricData.member.{i}.Dimensions.member.1.Value": name})
    query_call("monitoring", "PutMetricData", "2010-08-01", params)
    ship_logs(os.environ["WEIR_LOG_GROUP"])


def ship_logs(group):
    state = os.environ.get("WEIR_PUSH_STATE", "/var/lib/weir-push")
    os.makedirs(state, exist_ok=True)
    command = os.environ.get("WEIR_LOG_COMMAND") or (
        f"journalctl -u weir-agent.service -o cat --no-pager --cursor-file={state}/journal.cursor")
    lines = subprocess.run(command, shell=True, check=True, capture_output=True, text=True).stdout.splitlines()
    if not lines:
        return
    stream = os.environ.get("WEIR_INSTANCE_ID") or imds_get("/latest/meta-data/instance-id")
    try:
        json_call("logs", "Logs_20140328.CreateLogStream", {"logGroupName": group, "logStreamName": stream})
    except AwsError as e:
        if "ResourceAlreadyExists" not in str(e):
            raise
    stamp = int(time.time() * 1000)
    batch, size = [], 0
    for line in lines + [None]:
        # PutLogEvents takes at most 10,000 events and 1 MiB (26 bytes of overhead per event).
        if line is None or len(batch) == 10000 or size + len(line.encode()) + 26 > 1_000_000:
            if batch:
                json_call("logs", "Logs_20140328.PutLogEvents",
                          {"logGroupName": group, "logStreamName": stream, "logEvents": batch})
            batch, size = [], 0
        if line is not None:
            text = line[:200_000] or " "
            batch.append({"timestamp": stamp, "message": text})
            size += len(text.encode()) + 26


def main(argv):
    commands = {"attach-volume": (attach_volume, 2), "s3-get": (s3_get, 2), "ssm-get": (ssm_get, 2),
                "ssm-put": (ssm_put, 2), "push": (push, 0)}
    if len(argv) < 2 or argv[1] not in commands or len(argv) - 2 != commands[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        commands[argv[1]][0](*argv[2:])
    except AwsError as e:
        print(f"weir-aws {argv[1]}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
