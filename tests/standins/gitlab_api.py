#!/usr/bin/env python3
"""A GitLab REST API (v4) stand-in for pushfix's tests (Python 3 stdlib).

Serves the merge-request endpoints pushfix uses under /api/v4 on
127.0.0.1, and enforces GitLab's real rules (docs/FORGE-API-NOTES.md §2,
fixtures/forge-real/gitlab/):

  * 401 {"message": "401 Unauthorized"} without the right PRIVATE-TOKEN
    (or Authorization: Bearer);
  * :id is the URL-encoded full path (group%2Fsub%2Fproject) or the
    numeric id; an unencoded path is 404 {"message":"404 Project Not
    Found"};
  * MR diffs come from a real bare repository (--git-dir): diff_refs
    base_sha = merge-base, start_sha = target tip, head_sha = source tip;
  * POST .../discussions with a text position: the line must be in the MR
    diff for exactly those SHAs; an added line takes new_line only, an
    unchanged one both old_line and new_line; else 400 with GitLab's
    line_code message.  A position without position_type or SHAs is
    silently dropped: 201 with a plain DiscussionNote (gitbeaker#3494);
  * pagination with per_page (capped by --max-per-page), Link, X-Page,
    X-Next-Page, X-Per-Page, X-Total, X-Total-Pages;
  * rate limits on demand: 429 with Retry-After and RateLimit-* headers;
  * --no-diffs: /diffs is 404, as before GitLab 15.7 (use /changes).

Control endpoints (no auth): POST /_standin/merge_requests
{"source_branch","target_branch"}; POST /_standin/ratelimit; POST
/_standin/config {"no_diffs": true}; POST /_standin/member {"id",
"username","access_level"}; POST /_standin/reply {"to": first note id,
"id","username","body"}; GET /_standin/state.  Every request is one JSON line in --log; the token is
never written anywhere.
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.RLock()
LINE_CODE_ERR = ("400 Bad request - Note {:line_code=>[\"can't be blank\", "
                 "\"must be a valid line code\"]}")


def git(git_dir, *args):
    r = subprocess.run(["git", "--git-dir", git_dir] + list(args),
                       capture_output=True, text=True, timeout=30)
    return r.stdout if r.returncode == 0 else None


def parse_diff(text):
    """git diff -> [{old_path,new_path,diff,new_file,deleted_file,
    renamed_file, lines: {(old,new): kind}}]; kind '+', '-', ' '."""
    files = []
    cur = None
    old = new = 0
    in_hunks = False
    for line in text.split("\n"):
        if line.startswith("diff --git "):
            m = re.match(r"diff --git a/(.*) b/(.*)$", line)
            cur = {"old_path": m.group(1), "new_path": m.group(2),
                   "a_mode": "100644", "b_mode": "100644",
                   "new_file": False, "deleted_file": False,
                   "renamed_file": False, "diff_lines": [], "added": {},
                   "context": {}, "removed": set()}
            files.append(cur)
            in_hunks = False
            continue
        if cur is None:
            continue
        if not in_hunks:
            if line.startswith("new file mode"):
                cur["new_file"] = True
                cur["a_mode"] = "0"
            elif line.startswith("deleted file mode"):
                cur["deleted_file"] = True
            elif line.startswith("rename from "):
                cur["old_path"] = line[12:]
                cur["renamed_file"] = True
            elif line.startswith("rename to "):
                cur["new_path"] = line[10:]
        if line.startswith("@@ "):
            in_hunks = True
            m = re.match(r"@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@", line)
            old, new = int(m.group(1)), int(m.group(2))
            cur["diff_lines"].append(line)
        elif in_hunks and line[:1] in ("+", "-", " ", "\\"):
            cur["diff_lines"].append(line)
            if line[0] == "+":
                cur["added"][new] = old
                new += 1
            elif line[0] == "-":
                cur["removed"].add(old)
                old += 1
            elif line[0] == " ":
                cur["context"][new] = old
                new += 1
                old += 1
    for f in files:
        d = "\n".join(f.pop("diff_lines"))
        f["diff"] = d + "\n" if d else ""
    return files


class State:
    def __init__(self, args):
        self.args = args
        self.path = args.project
        self.project_id = 4242
        self.mrs = []
        self.discussions = []   # {id, mr, individual_note, notes: [...]}
        self.requests = 0
        self.limits = []
        self.next_id = 7000
        # members with their access_level (GET .../members/all/:user_id);
        # anyone else is no member (404)
        self.members = {1: {"id": 1, "username": "pushfix-bot",
                            "access_level": 40}}
        for spec in args.mr or []:
            src, _, tgt = spec.partition(":")
            self.add_mr(src, tgt or args.target)
        for spec in args.rate_limit or []:
            a, c, s = (int(x) for x in spec.split(":")[:3])
            self.limits.append({"after": a, "count": c, "seconds": s})

    def new_id(self):
        self.next_id += 1
        return self.next_id

    def add_mr(self, src, tgt):
        iid = len(self.mrs) + 1
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        mr = {"iid": iid, "source_branch": src, "target_branch": tgt,
              "created_at": now, "updated_at": now, "state": "opened"}
        self.mrs.append(mr)
        return mr

    def sha(self, ref):
        out = git(self.args.git_dir, "rev-parse", "--verify", "-q",
                  "refs/heads/" + ref + "^{commit}")
        return out.strip() if out else None

    def refs(self, mr):
        head = self.sha(mr["source_branch"])
        start = self.sha(mr["target_branch"])
        if not head or not start:
            return None
        base = git(self.args.git_dir, "merge-base", start, head)
        return {"base_sha": base.strip() if base else start,
                "start_sha": start, "head_sha": head}

    def diff(self, mr):
        r = self.refs(mr)
        if not r:
            return []
        out = git(self.args.git_dir, "diff", "--no-color", "--no-ext-diff",
                  "-M", "-U3", r["base_sha"], r["head_sha"])
        return parse_diff(out or "")


def author():
    return {"id": 1, "username": "pushfix-bot", "name": "pushfix bot",
            "state": "active"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gitlab-standin/1"

    def log_message(self, fmt, *a):
        pass

    def base_url(self):
        return "http://%s" % (self.headers.get("Host") or "127.0.0.1")

    def send(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        st = self.server.state
        hdrs = dict(headers or {})
        if "RateLimit-Remaining" not in hdrs:
            self.send_header("RateLimit-Limit", "600")
            self.send_header("RateLimit-Observed", str(st.requests))
            self.send_header("RateLimit-Remaining",
                             str(max(0, 600 - st.requests)))
            self.send_header("RateLimit-Reset", str(int(time.time()) + 60))
        for k, v in hdrs.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.record["status"] = status
        if status >= 400:
            self.record["error"] = body.get("message") or body.get("error")

    def msg(self, status, message, headers=None):
        self.send(status, {"message": message}, headers)

    def handle_any(self):
        u = urllib.parse.urlsplit(self.path)
        self.q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        self.record = {"time": time.time(), "method": self.command,
                       "path": u.path, "query": u.query}
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        self.body = None
        if raw:
            try:
                self.body = json.loads(raw)
            except ValueError:
                self.body = raw.decode("utf-8", "replace")
            self.record["body"] = self.body
        try:
            with LOCK:
                if u.path.startswith("/_standin/"):
                    self.control(u.path)
                else:
                    self.api(u.path)
        except Exception as e:
            self.record["exception"] = repr(e)
            self.msg(500, "stand-in error: %r" % (e,))
        if self.server.args.log:
            with LOCK, open(self.server.args.log, "a") as f:
                f.write(json.dumps(self.record) + "\n")

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

    def control(self, path):
        st = self.server.state
        b = self.body if isinstance(self.body, dict) else {}
        if path == "/_standin/merge_requests" and self.command == "POST":
            mr = st.add_mr(b["source_branch"],
                           b.get("target_branch") or st.args.target)
            return self.send(201, {"iid": mr["iid"]})
        if path == "/_standin/ratelimit" and self.command == "POST":
            st.limits.append({"after": st.requests + int(b.get("after", 0)),
                              "count": int(b.get("count", 1)),
                              "seconds": int(b.get("seconds", 1))})
            return self.send(201, {"ok": True})
        if path == "/_standin/config" and self.command == "POST":
            for k, v in b.items():
                if not hasattr(st.args, k):
                    return self.send(400, {"error": "no option " + k})
                setattr(st.args, k, v)
            return self.send(200, {"ok": True})
        if path == "/_standin/member" and self.command == "POST":
            st.members[int(b["id"])] = {
                "id": int(b["id"]), "username": b["username"],
                "access_level": int(b.get("access_level", 30))}
            return self.send(201, {"ok": True})
        if path == "/_standin/reply" and self.command == "POST":
            # a reply note by someone else in the discussion whose first
            # note is `to`
            d = next((d for d in st.discussions
                      if d["notes"][0]["id"] == int(b["to"])), None)
            if not d:
                return self.msg(404, "404 Not found")
            mr = next(x for x in st.mrs if x["iid"] == d["mr"])
            n = self.note(mr, b["body"], d["notes"][0]["type"])
            n["author"] = {"id": int(b.get("id", 77)),
                           "username": b.get("username", "alice"),
                           "name": b.get("username", "alice"),
                           "state": "active"}
            d["notes"].append(n)
            return self.send(201, n)
        if path == "/_standin/state":
            return self.send(200, {"merge_requests": st.mrs,
                                   "discussions": st.discussions})
        return self.msg(404, "404 Not Found")

    def auth(self):
        st = self.server.state
        tok = self.headers.get("PRIVATE-TOKEN")
        if tok is None:
            m = re.fullmatch(r"Bearer (\S+)",
                             self.headers.get("Authorization") or "")
            tok = m.group(1) if m else None
        self.record["auth"] = "missing" if tok is None else (
            "ok" if tok == st.args.token else "bad")
        self.record["user_agent"] = self.headers.get("User-Agent")
        if self.record["auth"] != "ok":
            self.msg(401, "401 Unauthorized")
            return False
        return True

    def rate_limited(self):
        st = self.server.state
        n = st.requests
        st.requests += 1
        for r in st.limits:
            if r["after"] <= n < r["after"] + r["count"]:
                self.record["rate_limited"] = "429"
                reset = int(time.time()) + r["seconds"]
                self.send(429, {"message": {
                    "error": "This endpoint has been requested too many "
                             "times. Try again later."}}, {
                    "Retry-After": str(r["seconds"]),
                    "RateLimit-Limit": "600", "RateLimit-Observed": "600",
                    "RateLimit-Remaining": "0",
                    "RateLimit-Reset": str(reset),
                    "RateLimit-ResetTime": time.strftime(
                        "%a, %d %b %Y %H:%M:%S GMT", time.gmtime(reset))})
                return True
        return False

    def page(self, items):
        try:
            per = int(self.q.get("per_page", ["20"])[0])
            page = int(self.q.get("page", ["1"])[0])
        except ValueError:
            return self.send(400, {"error": "per_page is invalid"})
        per = max(1, min(per, 100, self.server.args.max_per_page))
        page = max(1, page)
        total_pages = max(1, (len(items) + per - 1) // per)
        chunk = items[(page - 1) * per:page * per]
        u = urllib.parse.urlsplit(self.path)

        def url(p):
            q = dict((k, v[0]) for k, v in self.q.items())
            q["page"] = str(p)
            return "%s%s?%s" % (self.base_url(), u.path,
                                urllib.parse.urlencode(q))
        links = []
        if page < total_pages:
            links.append('<%s>; rel="next"' % url(page + 1))
        if page > 1:
            links.append('<%s>; rel="prev"' % url(page - 1))
        links.append('<%s>; rel="first"' % url(1))
        links.append('<%s>; rel="last"' % url(total_pages))
        h = {"Link": ", ".join(links), "X-Page": str(page),
             "X-Per-Page": str(per), "X-Total": str(len(items)),
             "X-Total-Pages": str(total_pages),
             "X-Next-Page": str(page + 1) if page < total_pages else "",
             "X-Prev-Page": str(page - 1) if page > 1 else ""}
        self.send(200, chunk, h)

    def mr_json(self, mr, full=False):
        st = self.server.state
        r = st.refs(mr)
        o = {"id": 90000 + mr["iid"], "iid": mr["iid"],
             "project_id": st.project_id, "title": "MR " + mr["source_branch"],
             "state": mr["state"], "created_at": mr["created_at"],
             "updated_at": mr["updated_at"],
             "source_branch": mr["source_branch"],
             "target_branch": mr["target_branch"],
             "source_project_id": st.project_id,
             "target_project_id": st.project_id, "draft": False,
             "sha": r["head_sha"] if r else None,
             "web_url": "https://gitlab.example/%s/-/merge_requests/%d" % (
                 st.path, mr["iid"])}
        if full:
            o["diff_refs"] = r
            o["changes_count"] = str(len(st.diff(mr)))
        return o

    def api(self, path):
        st = self.server.state
        if not self.auth() or self.rate_limited():
            return
        m = re.fullmatch(r"/api/v4/projects/([^/]+)(/.*)?", path)
        if not m:
            return self.msg(404, "404 Not Found")
        pid = urllib.parse.unquote(m.group(1))
        if pid != st.path and pid != str(st.project_id):
            return self.msg(404, "404 Project Not Found")
        rest = m.group(2) or ""
        if rest == "/merge_requests" and self.command == "GET":
            src = self.q.get("source_branch", [None])[0]
            state = self.q.get("state", ["all"])[0]
            out = [self.mr_json(mr) for mr in st.mrs
                   if (not src or mr["source_branch"] == src) and
                   (state == "all" or mr["state"] == state) and
                   st.sha(mr["source_branch"])]
            out.sort(key=lambda x: x["created_at"], reverse=True)
            return self.page(out)
        m = re.fullmatch(r"/members/all/(\d+)", rest)
        if m and self.command == "GET":
            u = st.members.get(int(m.group(1)))
            if not u:
                return self.msg(404, "404 Not found")
            return self.send(200, dict(u, name=u["username"],
                                       state="active"))
        m = re.fullmatch(r"/merge_requests/(\d+)(/[a-z_]+)?", rest)
        if not m:
            return self.msg(404, "404 Not Found")
        mr = next((x for x in st.mrs if x["iid"] == int(m.group(1))), None)
        if not mr:
            return self.msg(404, "404 Not found")
        sub = m.group(2) or ""
        if sub == "" and self.command == "GET":
            return self.send(200, self.mr_json(mr, True))
        if sub == "/diffs" and self.command == "GET":
            if st.args.no_diffs:
                return self.msg(404, "404 Not Found")
            return self.page([self.diff_json(f) for f in st.diff(mr)])
        if sub == "/changes" and self.command == "GET":
            o = self.mr_json(mr, True)
            o["changes"] = [self.diff_json(f) for f in st.diff(mr)]
            return self.send(200, o)
        if sub == "/discussions" and self.command == "GET":
            return self.page([d for d in st.discussions
                              if d["mr"] == mr["iid"]])
        if sub == "/discussions" and self.command == "POST":
            return self.create_discussion(mr)
        if sub == "/notes" and self.command == "POST":
            return self.create_note(mr)
        return self.msg(404, "404 Not Found")

    @staticmethod
    def diff_json(f):
        return dict((k, f[k]) for k in (
            "old_path", "new_path", "a_mode", "b_mode", "diff", "new_file",
            "renamed_file", "deleted_file"))

    def note(self, mr, body, ntype, position=None):
        st = self.server.state
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        n = {"id": st.new_id(), "type": ntype, "body": body,
             "author": author(), "created_at": now, "updated_at": now,
             "system": False, "noteable_id": 90000 + mr["iid"],
             "noteable_type": "MergeRequest", "noteable_iid": mr["iid"],
             "resolvable": ntype == "DiffNote", "resolved": False}
        if position:
            n["position"] = position
        return n

    def store(self, mr, notes, individual):
        st = self.server.state
        d = {"id": hashlib.sha1(str(st.new_id()).encode()).hexdigest(),
             "individual_note": individual, "notes": notes,
             "mr": mr["iid"]}
        st.discussions.append(d)
        mr["updated_at"] = notes[0]["created_at"]
        return d

    def create_note(self, mr):
        b = self.body if isinstance(self.body, dict) else {}
        if not isinstance(b.get("body"), str) or not b["body"]:
            return self.send(400, {"error": "body is missing"})
        d = self.store(mr, [self.note(mr, b["body"], None)], True)
        self.send(201, d["notes"][0])

    def create_discussion(self, mr):
        st = self.server.state
        b = self.body if isinstance(self.body, dict) else {}
        if not isinstance(b.get("body"), str) or not b["body"]:
            return self.send(400, {"error": "body is missing"})
        pos = b.get("position")
        needed = ("position_type", "base_sha", "start_sha", "head_sha")
        if not isinstance(pos, dict) or any(k not in pos for k in needed):
            # GitLab drops a position it cannot parse: a plain note
            self.record["degraded"] = True
            d = self.store(mr, [self.note(mr, b["body"], "DiscussionNote")],
                           False)
            return self.send(201, d)
        if pos["position_type"] != "text":
            return self.send(400, {"error": "position[position_type] does "
                                   "not have a valid value"})
        refs = st.refs(mr)
        if any(pos.get(k) != refs.get(k) for k in needed[1:]):
            return self.msg(400, LINE_CODE_ERR)
        f = next((x for x in st.diff(mr)
                  if x["new_path"] == pos.get("new_path") and
                  x["old_path"] == pos.get("old_path")), None)
        new, old = pos.get("new_line"), pos.get("old_line")
        ok = False
        if f:
            if new is not None and old is None:
                ok = new in f["added"]
            elif new is not None and old is not None:
                ok = f["context"].get(new) == old
            elif old is not None:
                ok = old in f["removed"]
        if not ok:
            return self.msg(400, LINE_CODE_ERR)
        position = dict(pos)
        position.setdefault("old_line", None)
        position.setdefault("new_line", None)
        d = self.store(mr, [self.note(mr, b["body"], "DiffNote", position)],
                       False)
        self.send(201, d)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--max-seconds", type=float, default=120)
    ap.add_argument("--token", default=os.environ.get("STANDIN_TOKEN"))
    ap.add_argument("--project", default="group/sub/project")
    ap.add_argument("--git-dir", required=True)
    ap.add_argument("--target", default="main")
    ap.add_argument("--mr", action="append",
                    help="SOURCE[:TARGET]: an open merge request")
    ap.add_argument("--max-per-page", type=int, default=100)
    ap.add_argument("--rate-limit", action="append",
                    help="AFTER:COUNT:SECONDS (429 with Retry-After)")
    ap.add_argument("--no-diffs", action="store_true",
                    help="no /diffs endpoint (GitLab < 15.7)")
    args = ap.parse_args()
    if not args.token:
        ap.error("--token (or STANDIN_TOKEN) is required")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.args = args
    srv.state = State(args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    t = threading.Timer(args.max_seconds, srv.shutdown)
    t.daemon = True
    t.start()
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
