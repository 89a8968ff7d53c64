#!/usr/bin/env python3
"""A GitHub REST API stand-in for pushfix's tests (Python 3 stdlib only).

Serves the pull-request endpoints pushfix uses, on 127.0.0.1, and enforces
GitHub's real rules as documented and recorded (docs/FORGE-API-NOTES.md,
fixtures/forge-real/):

  * 401 {"message": "Bad credentials"} without the right token
    (Authorization: Bearer/token), 403 without a User-Agent;
  * GET /repos/O/R/pulls?head=O:BRANCH: a head without "owner:" is ignored
    and every open PR comes back, as GitHub does;
  * pull request diffs come from a real bare repository (--git-dir):
    merge-base(base, head)..head, so they change when a push lands;
  * POST .../reviews is all or nothing: a comment whose line is not in the
    PR diff on the RIGHT side, a start_line in another hunk or after the
    line, an unknown path, or a commit_id outside the PR give 422 with
    GitHub's validation-error-simple body, and nothing is stored;
  * pagination with per_page (capped by --max-per-page) and Link headers
    (rel="next", "last", "first", "prev");
  * rate limits on demand (--rate-limit or POST /_standin/ratelimit):
    primary (403, x-ratelimit-remaining: 0, x-ratelimit-reset) or
    secondary (429 or 403 with Retry-After).

Contract mode (--proxy URL): every request is forwarded to a Prism mock
of GitHub's OpenAPI description and logged with the violations Prism
found in it (docs/CONTRACT-TEST-NOTES.md).

Control endpoints (no auth): POST /_standin/pulls {"head","base"[,
"head_owner"]} opens a PR (from a fork with head_owner); POST /_standin/ratelimit {...}; POST /_standin/config {"read_only":
true, ...} flips an option; GET /_standin/state dumps PRs, reviews and
comments.  Every request is logged as one JSON line to --log; the
token is never written anywhere (only whether it matched).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DOCS = "https://docs.github.com/rest"
LOCK = threading.RLock()


def git(git_dir, *args):
    r = subprocess.run(["git", "--git-dir", git_dir] + list(args),
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        return None
    return r.stdout


def parse_diff(text):
    """git diff output -> [{filename, previous_filename, status, patch,
    additions, deletions, right: {line: hunk}}]."""
    files = []
    cur = None
    hunk = -1
    new = old = 0
    for line in text.split("\n"):
        if line.startswith("diff --git "):
            cur = {"filename": None, "previous_filename": None,
                   "status": "modified", "patch_lines": [], "right": {},
                   "additions": 0, "deletions": 0}
            files.append(cur)
            hunk = -1
            m = re.match(r"diff --git a/(.*) b/(.*)$", line)
            if m:
                cur["previous_filename"] = m.group(1)
                cur["filename"] = m.group(2)
            continue
        if cur is None:
            continue
        if line.startswith("new file mode"):
            cur["status"] = "added"
        elif line.startswith("deleted file mode"):
            cur["status"] = "removed"
        elif line.startswith("rename from "):
            cur["previous_filename"] = line[12:]
            cur["status"] = "renamed"
        elif line.startswith("rename to "):
            cur["filename"] = line[10:]
        elif line.startswith("--- ") and hunk < 0:
            pass
        elif line.startswith("+++ ") and hunk < 0:
            if line[4:] != "/dev/null":
                cur["filename"] = line[6:] if line[4:6] == "b/" else line[4:]
        elif line.startswith("@@ "):
            m = re.match(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", line)
            hunk += 1
            old, new = int(m.group(1)), int(m.group(3))
            cur["patch_lines"].append(line)
        elif hunk >= 0 and line[:1] in ("+", "-", " ", "\\"):
            cur["patch_lines"].append(line)
            if line[0] == "+":
                cur["right"][new] = hunk
                new += 1
                cur["additions"] += 1
            elif line[0] == "-":
                old += 1
                cur["deletions"] += 1
            elif line[0] == " ":
                cur["right"][new] = hunk
                new += 1
                old += 1
    for f in files:
        f["patch"] = "\n".join(f.pop("patch_lines"))
        if f["previous_filename"] == f["filename"]:
            f["previous_filename"] = None
    return files


class State:
    def __init__(self, args):
        self.args = args
        self.owner, self.repo = args.repository.split("/", 1)
        self.pulls = []      # {number, head, base, created, updated}
        self.reviews = []    # stored review objects (with pull_number)
        self.comments = []   # stored review comments
        self.next_id = 1000
        self.requests = 0    # API requests seen (for rate-limit rules)
        self.limits = []     # rate-limit rules
        self.failed_once = False
        # collaborators' permission (GET .../collaborators/{u}/permission);
        # anyone else reads as "read", as on a public repository
        self.perms = {"pushfix-bot": "admin"}
        for spec in args.pr or []:
            head, _, base = spec.partition(":")
            self.add_pull(head, base or args.base)
        for spec in args.rate_limit or []:
            self.limits.append(parse_limit(spec))

    def new_id(self):
        self.next_id += 1
        return self.next_id

    def add_pull(self, head, base, head_owner=None):
        """head_owner: a PR from a fork (its branch lives in the same
        bare repository here)."""
        n = len(self.pulls) + 1
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        p = {"number": n, "head": head, "base": base, "created": now,
             "updated": now, "state": "open",
             "head_owner": head_owner or self.owner}
        self.pulls.append(p)
        return p

    def sha(self, ref):
        out = git(self.args.git_dir, "rev-parse", "--verify", "-q",
                  "refs/heads/" + ref + "^{commit}")
        return out.strip() if out else None

    def diff(self, pull, commit=None):
        base = self.sha(pull["base"])
        head = commit or self.sha(pull["head"])
        if not base or not head:
            return []
        mb = git(self.args.git_dir, "merge-base", base, head)
        if mb is None:
            return []
        out = git(self.args.git_dir, "diff", "--no-color", "--no-ext-diff",
                  "-M", "-U3", mb.strip(), head)
        return parse_diff(out or "")

    def in_pull(self, pull, commit):
        base = self.sha(pull["base"])
        head = self.sha(pull["head"])
        if not base or not head or not re.fullmatch(r"[0-9a-f]{40}",
                                                     commit or ""):
            return False
        out = git(self.args.git_dir, "rev-list", head, "^" + base)
        return out is not None and commit in out.split()


def parse_limit(spec):
    """KIND:AFTER:COUNT:SECONDS[:METHOD], KIND = 403 (primary), 429
    (secondary, Retry-After) or 403s (secondary answered with 403)."""
    parts = spec.split(":")
    r = {"kind": parts[0], "after": int(parts[1]), "count": int(parts[2]),
         "seconds": int(parts[3]),
         "method": parts[4] if len(parts) > 4 else None}
    return r


def user():
    return {"login": "pushfix-bot", "id": 1, "type": "User",
            "node_id": "MDQ6VXNlcjE=", "site_admin": False}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "github-standin/1"

    def log_message(self, fmt, *a):
        pass

    # --- plumbing ---
    def base_url(self):
        return "http://%s" % (self.headers.get("Host") or "127.0.0.1")

    def send(self, status, body, headers=None, ctype="application/json"):
        data = body if isinstance(body, bytes) else (
            json.dumps(body).encode() if not isinstance(body, str)
            else body.encode())
        self.send_response(status)
        self.send_header("Content-Type", ctype + "; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        st = self.server.state
        reset = int(time.time()) + 3600
        self.send_header("x-ratelimit-limit", "5000")
        hdrs = dict(headers or {})
        if "x-ratelimit-remaining" not in hdrs:
            self.send_header("x-ratelimit-remaining",
                             str(max(0, 4999 - st.requests)))
            self.send_header("x-ratelimit-reset", str(reset))
        self.send_header("x-ratelimit-used", str(st.requests))
        self.send_header("x-ratelimit-resource", "core")
        self.send_header("X-GitHub-Api-Version-Selected", "2022-11-28")
        for k, v in hdrs.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.record["status"] = status
        if status >= 400 and isinstance(body, dict):
            self.record["error"] = body.get("message")
            if body.get("errors"):
                self.record["errors"] = body.get("errors")

    def error(self, status, message, errors=None, headers=None):
        b = {"message": message, "documentation_url": DOCS,
             "status": str(status)}
        if errors is not None:
            b["errors"] = errors
        self.send(status, b, headers)

    def write_log(self):
        path = self.server.args.log
        if not path:
            return
        with LOCK, open(path, "a") as f:
            f.write(json.dumps(self.record) + "\n")

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def proxy(self, raw):
        """Contract mode: forward to Prism, keep its verdict on our
        request (sl-violations located in "request")."""
        target = self.server.args.proxy.rstrip("/") + self.path
        req = urllib.request.Request(target, data=raw or None,
                                     method=self.command)
        for h in ("Authorization", "Accept", "Content-Type", "User-Agent",
                  "X-GitHub-Api-Version"):
            if self.headers.get(h) is not None:
                req.add_header(h, self.headers[h])
        self.record["auth"] = "ok" if self.headers.get("Authorization") \
            else "missing"
        try:
            r = urllib.request.urlopen(req, timeout=60)
            status, hdrs, body = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, hdrs, body = e.code, e.headers, e.read()
        viol = json.loads(hdrs.get("sl-violations") or "[]")
        self.record["request_violations"] = [
            v for v in viol
            if str((v.get("location") or [""])[0]).startswith("request")]
        self.record["status"] = status
        self.send_response(status)
        self.send_header("Content-Type", hdrs.get("Content-Type") or
                         "application/json")
        self.send_header("Content-Length", str(len(body)))
        # Prism's example Link headers point at api.github.com (G5)
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        u = urllib.parse.urlsplit(self.path)
        self.q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        self.record = {"time": time.time(), "method": self.command,
                       "path": u.path, "query": u.query}
        raw = self.read_body()
        self.body = None
        if raw:
            try:
                self.body = json.loads(raw)
            except ValueError:
                self.body = raw.decode("utf-8", "replace")
            self.record["body"] = self.body
        if self.server.args.proxy:
            try:
                self.proxy(raw)
            except Exception as e:
                self.record["exception"] = repr(e)
                self.error(502, "proxy error: %r" % (e,))
            self.write_log()
            return
        try:
            with LOCK:
                if u.path.startswith("/_standin/"):
                    self.control(u.path)
                else:
                    self.api(u.path, raw)
        except Exception as e:  # a stand-in bug must be visible
            self.record["exception"] = repr(e)
            self.error(500, "stand-in error: %r" % (e,))
        self.write_log()

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_any

    # --- control ---
    def control(self, path):
        st = self.server.state
        if path == "/_standin/pulls" and self.command == "POST":
            b = self.body or {}
            p = st.add_pull(b["head"], b.get("base") or st.args.base,
                            b.get("head_owner"))
            return self.send(201, {"number": p["number"]})
        if path == "/_standin/ratelimit" and self.command == "POST":
            b = self.body or {}
            st.limits.append({"kind": str(b.get("kind", "429")),
                              "after": st.requests + int(b.get("after", 0)),
                              "count": int(b.get("count", 1)),
                              "seconds": int(b.get("seconds", 1)),
                              "method": b.get("method")})
            return self.send(201, {"ok": True})
        if path == "/_standin/config" and self.command == "POST":
            # flip options at run time: read_only, fail_review_once,
            # max_per_page
            for k, v in (self.body or {}).items():
                if not hasattr(st.args, k):
                    return self.error(400, "no option " + k)
                setattr(st.args, k, v)
            st.failed_once = False
            return self.send(200, {"ok": True})
        if path == "/_standin/collaborator" and self.command == "POST":
            b = self.body or {}
            st.perms[b["login"]] = b.get("permission", "write")
            return self.send(201, {"ok": True})
        if path == "/_standin/reply" and self.command == "POST":
            # a reply by someone else on review comment `to`, as the
            # pulls comments API lists it (in_reply_to_id)
            b = self.body or {}
            parent = [c for c in st.comments if c["id"] == int(b["to"])]
            if not parent:
                return self.error(404, "no comment %s" % b["to"])
            pr = self.find_pull(parent[0]["pull_number"])
            c = self.store_comment(pr, {"path": parent[0]["path"],
                                        "line": parent[0]["line"],
                                        "body": b["body"]},
                                   parent[0]["commit_id"],
                                   parent[0]["pull_request_review_id"])
            c["in_reply_to_id"] = parent[0]["id"]
            c["user"] = dict(user(), login=b.get("login", "alice"), id=7)
            c["author_association"] = "CONTRIBUTOR"
            return self.send(201, c)
        if path == "/_standin/state":
            return self.send(200, {"pulls": st.pulls,
                                   "reviews": st.reviews,
                                   "comments": st.comments})
        return self.error(404, "Not Found")

    # --- API ---
    def check_auth(self):
        auth = self.headers.get("Authorization") or ""
        tok = self.server.args.token
        m = re.fullmatch(r"(?:Bearer|token) (\S+)", auth)
        if not auth:
            self.record["auth"] = "missing"
        elif m and m.group(1) == tok:
            self.record["auth"] = "ok"
        else:
            self.record["auth"] = "bad"
        self.record["user_agent"] = self.headers.get("User-Agent")
        self.record["accept"] = self.headers.get("Accept")
        self.record["api_version"] = self.headers.get("X-GitHub-Api-Version")
        if not self.headers.get("User-Agent"):
            self.error(403, "Request forbidden by administrative rules. "
                       "Please make sure your request has a User-Agent "
                       "header (https://docs.github.com/en/rest/overview/"
                       "resources-in-the-rest-api#user-agent-required). "
                       "Check https://developer.github.com for other "
                       "possible causes.")
            return False
        if self.record["auth"] != "ok":
            self.error(401, "Bad credentials")
            return False
        return True

    def rate_limited(self):
        st = self.server.state
        n = st.requests
        st.requests += 1
        for r in st.limits:
            if r["method"] and r["method"] != self.command:
                continue
            if r["after"] <= n < r["after"] + r["count"]:
                self.record["rate_limited"] = r["kind"]
                if r["kind"] == "403":
                    self.error(403, "API rate limit exceeded for user ID 1."
                               " If you reach out to GitHub Support for "
                               "help, please include the request ID.",
                               headers={
                                   "x-ratelimit-remaining": "0",
                                   "x-ratelimit-reset":
                                       str(int(time.time()) + r["seconds"])})
                else:
                    self.error(403 if r["kind"] == "403s" else 429,
                               "You have exceeded a secondary rate limit. "
                               "Please wait a few minutes before you try "
                               "again.",
                               headers={"Retry-After": str(r["seconds"])})
                return True
        return False

    def page(self, items):
        try:
            per = int(self.q.get("per_page", ["30"])[0])
            page = int(self.q.get("page", ["1"])[0])
        except ValueError:
            return self.error(422, "Validation Failed")
        per = max(1, min(per, 100, self.server.args.max_per_page))
        page = max(1, page)
        last = max(1, (len(items) + per - 1) // per)
        chunk = items[(page - 1) * per:page * per]
        links = []

        def link(p, rel):
            q = dict((k, v[0]) for k, v in self.q.items())
            q["page"] = str(p)
            u = urllib.parse.urlsplit(self.path)
            links.append('<%s%s?%s>; rel="%s"' % (
                self.base_url(), u.path, urllib.parse.urlencode(q), rel))
        if page < last:
            link(page + 1, "next")
            link(last, "last")
        if page > 1:
            link(1, "first")
            link(page - 1, "prev")
        h = {"Link": ", ".join(links)} if links else {}
        self.send(200, chunk, h)

    def pull_json(self, p):
        st = self.server.state
        base = self.base_url()
        full = "%s/%s" % (st.owner, st.repo)
        head_sha = st.sha(p["head"])
        return {
            "url": "%s/repos/%s/pulls/%d" % (base, full, p["number"]),
            "id": 5000 + p["number"], "number": p["number"],
            "state": p["state"], "draft": False,
            "title": "PR for " + p["head"],
            "html_url": "https://github.example/%s/pull/%d" % (
                full, p["number"]),
            "created_at": p["created"], "updated_at": p["updated"],
            "user": user(),
            "head": {"label": "%s:%s" % (p["head_owner"], p["head"]),
                     "ref": p["head"], "sha": head_sha,
                     "repo": {"full_name": "%s/%s" % (p["head_owner"],
                                                      st.repo),
                              "name": st.repo}},
            "base": {"label": "%s:%s" % (st.owner, p["base"]),
                     "ref": p["base"], "sha": st.sha(p["base"]),
                     "repo": {"full_name": full, "name": st.repo}},
        }

    def find_pull(self, n):
        for p in self.server.state.pulls:
            if p["number"] == n:
                return p
        return None

    def api(self, path, raw):
        st = self.server.state
        if not self.check_auth():
            return
        if self.rate_limited():
            return
        if st.args.read_only and self.command != "GET":
            # a token without "Pull requests: write"
            return self.error(403, "Resource not accessible by personal "
                              "access token")
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/.*)?", path)
        if not m or m.group(1).lower() != st.owner.lower() or \
                m.group(2).lower() != st.repo.lower():
            return self.error(404, "Not Found")
        rest = m.group(3) or ""
        if self.command == "POST" and raw and not isinstance(self.body,
                                                             (dict, list)):
            return self.error(400, "Problems parsing JSON")
        if rest == "/pulls" and self.command == "GET":
            return self.list_pulls()
        m = re.fullmatch(r"/collaborators/([^/]+)/permission", rest)
        if m and self.command == "GET":
            login = urllib.parse.unquote(m.group(1))
            perm = st.perms.get(login, "read")
            return self.send(200, {
                "permission": perm,
                "role_name": {"admin": "admin", "write": "write"}.get(
                    perm, perm),
                "user": dict(user(), login=login)})
        m = re.fullmatch(r"/pulls/(\d+)(/[a-z]+)?", rest)
        if not m:
            return self.error(404, "Not Found")
        p = self.find_pull(int(m.group(1)))
        if not p:
            return self.error(404, "Not Found")
        sub = m.group(2) or ""
        if sub == "" and self.command == "GET":
            return self.send(200, self.pull_json(p))
        if sub == "/files" and self.command == "GET":
            files = []
            for f in st.diff(p):
                d = {"sha": None, "filename": f["filename"],
                     "status": f["status"], "additions": f["additions"],
                     "deletions": f["deletions"],
                     "changes": f["additions"] + f["deletions"],
                     "patch": f["patch"]}
                if f["previous_filename"]:
                    d["previous_filename"] = f["previous_filename"]
                files.append(d)
            return self.page(files)
        if sub == "/comments" and self.command == "GET":
            return self.page([c for c in st.comments
                              if c["pull_number"] == p["number"]])
        if sub == "/reviews" and self.command == "GET":
            return self.page([r for r in st.reviews
                              if r["pull_number"] == p["number"]])
        if sub == "/reviews" and self.command == "POST":
            return self.create_review(p)
        if sub == "/comments" and self.command == "POST":
            return self.create_comment(p)
        return self.error(404, "Not Found")

    def list_pulls(self):
        st = self.server.state
        head = self.q.get("head", [None])[0]
        state = self.q.get("state", ["open"])[0]
        if state not in ("open", "closed", "all"):
            return self.error(422, "Validation Failed", [
                {"resource": "PullRequest", "field": "state",
                 "code": "invalid"}])
        out = []
        for p in st.pulls:
            if state != "all" and p["state"] != state:
                continue
            # GitHub ignores a head without "owner:" (returns all)
            if head and ":" in head:
                o, _, b = head.partition(":")
                if o.lower() != p["head_owner"].lower() or b != p["head"]:
                    continue
            if st.sha(p["head"]) is None:
                continue
            out.append(self.pull_json(p))
        out.sort(key=lambda x: x["created_at"], reverse=True)
        return self.page(out)

    def validate_comment(self, c, right_by_path):
        """The reasons GitHub gives for a bad review thread, or []."""
        errs = []
        path = c.get("path")
        line = c.get("line")
        side = c.get("side", "RIGHT")
        if not isinstance(c.get("body"), str):
            errs.append("Pull request review thread body can't be blank")
        if "position" in c:
            errs.append("stand-in: use line/side, not position")
            return errs
        if path not in right_by_path:
            return errs + ["Pull request review thread path is invalid"]
        if not isinstance(line, int):
            return errs + ["Pull request review thread line must be part "
                           "of the diff"]
        if side != "RIGHT":
            return errs + ["stand-in: only RIGHT side lines are modelled"]
        right = right_by_path[path]
        if line not in right:
            errs.append("Pull request review thread line must be part of "
                        "the diff")
        start = c.get("start_line")
        if start is not None:
            if c.get("start_side", side) != side:
                errs.append("stand-in: start_side must match side")
            if not isinstance(start, int) or start >= (line or 0):
                errs.append("Pull request review thread start line must "
                            "precede the end line.")
            elif start not in right or line not in right or \
                    right[start] != right[line] or \
                    any(x not in right for x in range(start, line + 1)):
                errs.append("Pull request review thread start line must be "
                            "part of the same hunk as the line.")
        return errs

    def create_review(self, p):
        st = self.server.state
        b = self.body if isinstance(self.body, dict) else {}
        event = b.get("event")
        if event is not None and event not in ("APPROVE", "REQUEST_CHANGES",
                                               "COMMENT"):
            return self.error(422, "Validation Failed", [
                {"resource": "PullRequestReview", "field": "event",
                 "code": "invalid"}])
        if event in ("COMMENT", "REQUEST_CHANGES") and not b.get("body"):
            return self.error(422, "Unprocessable Entity", [
                "Body is required when using COMMENT or REQUEST_CHANGES"])
        commit = b.get("commit_id") or st.sha(p["head"])
        if not st.in_pull(p, commit):
            return self.error(422, "Unprocessable Entity", [
                "The commitOID is not part of the pull request"])
        right = dict((f["filename"], f["right"]) for f in st.diff(p, commit)
                     if f["status"] != "removed")
        errs = []
        if st.args.fail_review_once and b.get("comments") and \
                not st.failed_once:
            # the PR diff moved between our files listing and the post
            st.failed_once = True
            errs.append("Pull request review thread line must be part of "
                        "the diff")
        for c in b.get("comments") or []:
            for e in self.validate_comment(c, right):
                if e not in errs:
                    errs.append(e)
        if errs:
            # one joined string, as GitHub's validation-error-simple
            text = errs[0] if len(errs) == 1 else \
                ", ".join(errs[:-1]) + ", and " + errs[-1]
            return self.error(422, "Unprocessable Entity", [text])
        rid = st.new_id()
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        full = "%s/%s" % (st.owner, st.repo)
        review = {
            "id": rid, "node_id": "PRR_%d" % rid, "user": user(),
            "body": b.get("body") or "",
            "state": {"COMMENT": "COMMENTED", "APPROVE": "APPROVED",
                      "REQUEST_CHANGES": "CHANGES_REQUESTED",
                      None: "PENDING"}[event],
            "html_url": "https://github.example/%s/pull/%d"
                        "#pullrequestreview-%d" % (full, p["number"], rid),
            "pull_request_url": "%s/repos/%s/pulls/%d" % (
                self.base_url(), full, p["number"]),
            "commit_id": commit, "submitted_at": now,
            "author_association": "OWNER", "pull_number": p["number"],
        }
        st.reviews.append(review)
        for c in b.get("comments") or []:
            self.store_comment(p, c, commit, rid)
        p["updated"] = now
        self.send(200, review)

    def store_comment(self, p, c, commit, rid):
        st = self.server.state
        cid = st.new_id()
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        full = "%s/%s" % (st.owner, st.repo)
        obj = {
            "id": cid, "node_id": "PRRC_%d" % cid,
            "pull_request_review_id": rid, "path": c.get("path"),
            "commit_id": commit, "original_commit_id": commit,
            "line": c.get("line"), "original_line": c.get("line"),
            "side": c.get("side", "RIGHT"),
            "start_line": c.get("start_line"),
            "original_start_line": c.get("start_line"),
            "start_side": c.get("start_side"),
            "subject_type": "line", "in_reply_to_id": None,
            "position": None, "original_position": None,
            "user": user(), "body": c.get("body"),
            "created_at": now, "updated_at": now,
            "html_url": "https://github.example/%s/pull/%d#discussion_r%d"
                        % (full, p["number"], cid),
            "author_association": "OWNER", "pull_number": p["number"],
        }
        st.comments.append(obj)
        return obj

    def create_comment(self, p):
        st = self.server.state
        b = self.body if isinstance(self.body, dict) else {}
        for k in ("body", "commit_id", "path"):
            if not b.get(k):
                return self.error(422, "Validation Failed", [
                    {"resource": "PullRequestReviewComment", "field": k,
                     "code": "missing_field"}])
        if not st.in_pull(p, b["commit_id"]):
            return self.error(422, "Validation Failed", [
                {"resource": "PullRequestReviewComment", "code": "custom",
                 "field": "commit_id",
                 "message": "commit_id is not part of the pull request"}])
        right = dict((f["filename"], f["right"])
                     for f in st.diff(p, b["commit_id"]))
        errs = self.validate_comment(b, right)
        if errs:
            return self.error(422, "Validation Failed", [
                {"resource": "PullRequestReviewComment", "code": "custom",
                 "field": "pull_request_review_thread.line",
                 "message": errs[0]}])
        self.send(201, self.store_comment(p, b, b["commit_id"], None))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--max-seconds", type=float, default=120)
    ap.add_argument("--token", default=os.environ.get("STANDIN_TOKEN"),
                    help="the token to accept (or $STANDIN_TOKEN)")
    ap.add_argument("--repository", default="octo/repo")
    ap.add_argument("--git-dir",
                    help="bare repository the PRs live in")
    ap.add_argument("--proxy", metavar="URL",
                    help="contract mode: forward every request to URL (a "
                    "Prism mock) and log its request violations")
    ap.add_argument("--base", default="main")
    ap.add_argument("--pr", action="append",
                    help="HEAD[:BASE]: an open pull request")
    ap.add_argument("--max-per-page", type=int, default=100)
    ap.add_argument("--read-only", action="store_true",
                    help="the token may read but not write (403)")
    ap.add_argument("--fail-review-once", action="store_true",
                    help="refuse the first review that has line comments "
                    "with 422 (the diff moved meanwhile)")
    ap.add_argument("--rate-limit", action="append",
                    help="KIND:AFTER:COUNT:SECONDS[:METHOD]")
    args = ap.parse_args()
    if not args.token and not args.proxy:
        ap.error("--token (or STANDIN_TOKEN) is required")
    if not args.git_dir and not args.proxy:
        ap.error("--git-dir (or --proxy) is required")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.args = args
    srv.state = State(args) if not args.proxy else None
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    timer = threading.Timer(args.max_seconds, srv.shutdown)
    timer.daemon = True
    timer.start()
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
