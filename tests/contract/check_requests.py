#!/usr/bin/env python3
"""Send request bodies to a Prism mock and fail on request violations.

usage: check_requests.py URL PREVIEW.json [--header 'Name: value']...
       check_requests.py URL --expect-refused BODY.json [--header ...]

Prism validates each request against the OpenAPI description it serves and
lists what is wrong in the `sl-violations` response header (a JSON array;
entries whose `location` starts with "request" are about our request), or,
when the description documents no error response, in the `validation`
list of its own 422 problem+json body.
A request passes when the status is 2xx and no such entry exists.  With
--expect-refused the single body must be refused (4xx and a request
violation): that proves the check is live (docs/CONTRACT-TEST-NOTES.md, G3).
"""
import json
import sys
import urllib.error
import urllib.request


def send(url, body, headers):
    req = urllib.request.Request(url, data=body, method="POST")
    for h in headers:
        k, v = h.split(":", 1)
        req.add_header(k.strip(), v.strip())
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("sl-violations"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("sl-violations"), e.read()


def request_violations(raw, body):
    """Violations about the request: `sl-violations` entries located in
    the request, or, when Prism answered with its own problem+json (no
    error response documented), that body's `validation` list."""
    out = []
    if raw:
        out += [v for v in json.loads(raw)
                if str(v.get("location", [""])[0]).startswith("request")]
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("validation"), list):
        out += doc["validation"]
    return out


def main(argv):
    url = argv[1]
    headers = []
    refused = None
    preview = None
    i = 2
    while i < len(argv):
        if argv[i] == "--header":
            headers.append(argv[i + 1])
            i += 2
        elif argv[i] == "--expect-refused":
            refused = argv[i + 1]
            i += 2
        else:
            preview = argv[i]
            i += 1
    if refused:
        with open(refused, "rb") as f:
            body = f.read()
        st, viol, answer = send(url, body, headers)
        rv = request_violations(viol, answer)
        print("wrong request: status %d, %d request violation(s): %s"
              % (st, len(rv), "; ".join(v.get("message", "") for v in rv)))
        return 0 if 400 <= st < 500 and rv else 1
    with open(preview, "rb") as f:
        text = f.read()
    reqs = json.loads(text)
    if not reqs:
        print("no requests in %s" % preview)
        return 1
    # The exact bytes pushfix would send: each request is one line of the
    # preview, its body verbatim at the end ('"body":' ... '}').
    raws = [ln[ln.index(b'"body":') + 7:].rstrip(b",").rstrip()[:-1]
            for ln in text.split(b"\n") if b'"body":' in ln]
    assert len(raws) == len(reqs), (len(raws), len(reqs))
    bad = 0
    for r, body in zip(reqs, raws):
        assert json.loads(body) == r["body"], "body not verbatim"
        st, viol, answer = send(url, body, headers)
        rv = request_violations(viol, answer)
        ok = 200 <= st < 300 and not rv
        print("request %s: status %d, %d request violation(s)%s"
              % (r["n"], st, len(rv), "" if ok else ": " + json.dumps(rv)))
        if not ok:
            print(answer.decode("utf-8", "replace")[:2000])
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
