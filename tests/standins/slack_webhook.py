#!/usr/bin/env python3
"""A Slack incoming-webhook stand-in for pushfix's tests (stdlib only).

POST <--path> with a JSON body answers 200 "ok" (text/plain) as Slack does;
the documented plain-text errors otherwise (docs/FORGE-API-NOTES.md §4):
  404 no_service       another path (a revoked or mistyped webhook)
  400 invalid_payload  not JSON, or not an object
  400 no_text          neither "text" nor "blocks"
  400 invalid_blocks   more than 50 blocks, a header over 150 characters,
                       a section text over 3000, an unknown block type
  429                  on demand (--status 429:SECONDS, then normal), with
                       Retry-After
The webhook path is a secret: the log records only whether it matched.
Every request is one JSON line in --log.
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
BLOCK_TYPES = {"header", "section", "context", "divider", "actions",
               "image", "rich_text"}


def check_blocks(blocks):
    if not isinstance(blocks, list) or len(blocks) > 50:
        return False
    for b in blocks:
        t = b.get("type") if isinstance(b, dict) else None
        if t not in BLOCK_TYPES:
            return False
        text = b.get("text") if isinstance(b.get("text"), dict) else {}
        if t == "header" and (text.get("type") != "plain_text" or
                              len(text.get("text", "")) > 150):
            return False
        if t == "section" and len(text.get("text", "")) > 3000:
            return False
    return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def reply(self, status, text, headers=None):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.record["status"] = status
        self.record["answer"] = text

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        args = self.server.args
        self.record = {"time": time.time(), "method": "POST",
                       "path_ok": self.path == args.path,
                       "content_type": self.headers.get("Content-Type"),
                       "authorization": "Authorization" in self.headers or
                       "PRIVATE-TOKEN" in self.headers}
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        self.record["body"] = body if body is not None else \
            raw.decode("utf-8", "replace")
        with LOCK:
            queue = self.server.queue
            forced = queue.pop(0) if queue and self.path == args.path \
                else None
        if forced:
            self.reply(forced[0], "rate_limited" if forced[0] == 429
                       else "error", {"Retry-After": str(forced[1])})
        elif self.path != args.path:
            self.reply(404, "no_service")
        elif not isinstance(body, dict):
            self.reply(400, "invalid_payload")
        elif not body.get("text") and not body.get("blocks"):
            self.reply(400, "no_text")
        elif "blocks" in body and not check_blocks(body["blocks"]):
            self.reply(400, "invalid_blocks")
        else:
            self.reply(200, "ok")
        if args.log:
            with LOCK, open(args.log, "a") as f:
                f.write(json.dumps(self.record) + "\n")

    def do_GET(self):
        self.record = {"time": time.time(), "method": "GET"}
        self.reply(405, "invalid_method")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--max-seconds", type=float, default=120)
    ap.add_argument("--path", default=os.environ.get(
        "STANDIN_WEBHOOK_PATH", "/services/T000/B000/XXXX"))
    ap.add_argument("--status", action="append", default=[],
                    help="STATUS:RETRY_AFTER for the next POST (in order)")
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.args = args
    srv.queue = [tuple(int(x) for x in s.split(":")) for s in args.status]
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
