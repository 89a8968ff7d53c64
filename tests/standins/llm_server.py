#!/usr/bin/env python3
"""Stand-in LLM endpoint for pushfix tests (Python 3 stdlib only).

Speaks, on 127.0.0.1 only:
  POST .../chat/completions                      OpenAI Chat Completions
  POST /openai/deployments/<d>/chat/completions?api-version=...   Azure
  POST .../messages                              Anthropic Messages
Writes its port to --port-file, logs every request as one JSON line to --log
({"n", "time", "method", "path", "headers": every header as received,
"body": parsed JSON or text, "behaviour"}), and exits by itself after
--max-seconds.

Behaviours (--behaviour, per request overridable by a marker
"PFSTANDIN:<name>" anywhere in the request body, or by --script):
  answer      a right answer derived from the request: the lines the prompt
              marks ">" become the fix range; the fix is those lines with
              --sub FROM TO applied (or --replacement TEXT); verdict
              --verdict, confidence --confidence; --fix-lines A B forces
              the range.  No --sub/--replacement: "fix": null.
  malformed   200, but the answer is not JSON (OpenAI: message content;
              Anthropic: the whole body)
  schema      200 with an answer that violates the schema
  429         429 with Retry-After: --retry-after seconds
  500 / 503 / 529 / 400 / 404   that status with a provider-shaped error
  401         401 with OpenAI's "Incorrect API key" error
  never       reads the request, never answers (until the client leaves)
  huge        200 with a --huge-mb MiB body
  reset       closes the connection without answering
--then NAME: the behaviour for a request body seen before (so
"--behaviour 500 --then answer" is "500, then success" per request, robust
under parallel sends).  --delay-ms N delays every answer; a marker
"PFDELAY:<ms>" in a request body delays that one answer by <ms> instead.
--answered-log FILE: one JSON line {"n", "answered": time} per request
once its answer is written (the main log says when it came in).
--expect-key K: requests whose credential header (Authorization: Bearer,
api-key or x-api-key, by endpoint) is not K get 401.
POST /_standin/args with NUL-separated options (as on the command line)
replaces them at run time and empties the log and counters.
--script FILE: a JSON object with any of the long option names (behaviour,
then, delay_ms, retry_after, sub, replacement, fix_lines, verdict, confidence,
expect_key, huge_mb, reason, component).
"""
import argparse
import hashlib
import http.server
import json
import os
import re
import select
import socket
import sys
import threading
import time

LOCK = threading.Lock()
SEEN = {}
COUNT = [0]
OPTS = None
LOGF = None

LINE_RE = re.compile(r"^([> ]) *(\d+) \| ?(.*)$")


def log(entry):
    with LOCK:
        LOGF.write(json.dumps(entry) + "\n")
        LOGF.flush()


def user_text(body, anthropic):
    """The user message of the request, whatever its shape."""
    try:
        msgs = body.get("messages") or []
        for m in msgs:
            if m.get("role") == "user":
                c = m.get("content")
                if isinstance(c, list):
                    return "".join(p.get("text", "") for p in c
                                   if isinstance(p, dict))
                return c or ""
    except AttributeError:
        pass
    return ""


GROUP_RE = re.compile(r"^Finding id (\d+):$")
LINES_RE = re.compile(r"^Lines?: (\d+)(?:-(\d+))?$")


def derive_group(text):
    """A group request ("Finding id K:" blocks, one merged snippet): one
    entry per id, each derived from its own lines as for one finding;
    --omit-id K leaves K out, --verdicts V1,V2... gives each its own."""
    ranges, cur = {}, None
    for line in text.split("\n"):
        if line.startswith("<<<CODE "):
            break
        m = GROUP_RE.match(line)
        if m:
            cur = int(m.group(1))
            continue
        m = LINES_RE.match(line)
        if m and cur is not None:
            a = int(m.group(1))
            ranges[cur] = (a, int(m.group(2) or a))
    verdicts = (OPTS.verdicts or "").split(",") if OPTS.verdicts else []
    out = []
    for k in sorted(ranges):
        if str(k) in (OPTS.omit_id or []):
            continue
        a, b = ranges[k]
        ans = derive_answer(text, (a, b))
        if verdicts:
            ans["verdict"] = verdicts[(k - 1) % len(verdicts)]
        out.append(dict({"id": k}, **ans))
    return {"findings": out}


def derive_answer(text, only=None):
    """verdict/confidence/reason/fix from the prompt's marked lines (of
    lines only[0]..only[1] when given)."""
    head = text.split("<<<CODE ")[0].split("\n")
    if only is None and any(GROUP_RE.match(line) for line in head):
        return derive_group(text)
    inside = False
    marked = []
    for line in text.split("\n"):
        if line.startswith("<<<CODE "):
            inside = True
            continue
        if line.startswith("<<<END "):
            inside = False
            continue
        if not inside:
            continue
        m = LINE_RE.match(line)
        if m and m.group(1) == ">":
            n = int(m.group(2))
            if only is None or only[0] <= n <= only[1]:
                marked.append((n, m.group(3)))
    fix = None
    if marked and (OPTS.sub or OPTS.replacement is not None):
        start, end = marked[0][0], marked[-1][0]
        if OPTS.fix_lines:
            start, end = int(OPTS.fix_lines[0]), int(OPTS.fix_lines[1])
        if OPTS.replacement is not None:
            repl = OPTS.replacement
        else:
            repl = "".join(code.replace(OPTS.sub[0], OPTS.sub[1]) + "\n"
                           for _, code in marked)
        fix = {"start_line": start, "end_line": end, "replacement": repl}
    ans = {"verdict": OPTS.verdict, "confidence": OPTS.confidence,
           "reason": OPTS.reason, "fix": fix}
    if OPTS.component is not None:
        ans["component"] = OPTS.component
    return ans


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "llm-standin"

    def log_message(self, fmt, *args):  # keep stderr quiet
        pass

    def send_json(self, status, obj, extra=None):
        data = json.dumps(obj).encode()
        self.send_raw(status, data, "application/json", extra)

    def send_raw(self, status, data, ctype, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        self.send_json(404, {"error": {"message": "no such path"}})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if self.path == "/_standin/args":
            control(self, raw)
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        path = self.path
        anthropic = path.split("?")[0].endswith("/messages")
        azure = "/deployments/" in path
        digest = hashlib.sha256(raw).hexdigest()
        with LOCK:
            COUNT[0] += 1
            idx = COUNT[0]
            seen = SEEN.get(digest, 0)
            SEEN[digest] = seen + 1
        behaviour = OPTS.then if (seen and OPTS.then) else OPTS.behaviour
        m = re.search(r"PFSTANDIN:([a-z0-9_]+)", raw.decode("utf-8",
                                                            "replace"))
        if m:
            behaviour = m.group(1)
        if OPTS.expect_key is not None:
            if anthropic:
                got = self.headers.get("x-api-key")
            elif azure:
                got = self.headers.get("api-key")
            else:
                got = self.headers.get("Authorization", "")
                got = got[7:] if got.startswith("Bearer ") else None
            if got != OPTS.expect_key:
                behaviour = "401"
        log({"n": idx, "time": time.time(), "method": "POST", "path": path,
             "headers": {k: v for k, v in self.headers.items()},
             "body": body, "behaviour": behaviour})
        delay = OPTS.delay_ms
        d = re.search(r"PFDELAY:([0-9]+)", raw.decode("utf-8", "replace"))
        if d:
            delay = int(d.group(1))
        if delay:
            time.sleep(delay / 1000.0)
        self.behave(behaviour, body, anthropic, idx)
        if OPTS.answered_log:
            with LOCK, open(OPTS.answered_log, "a") as f:
                f.write(json.dumps({"n": idx, "answered": time.time()})
                        + "\n")

    def error_body(self, anthropic, status, etype, message):
        if anthropic:
            return {"type": "error", "error": {"type": etype,
                                               "message": message},
                    "request_id": "req_standin"}
        return {"error": {"message": message, "type": etype, "param": None,
                          "code": None}}

    def behave(self, b, body, anthropic, idx):
        model = body.get("model", "m") if isinstance(body, dict) else "m"
        if b == "never":
            self.wait_for_client()
            return
        if b == "reset":
            self.close_connection = True
            try:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER,
                    b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.connection.close()
            except OSError:
                pass
            return
        if b == "huge":
            size = int(OPTS.huge_mb * 1024 * 1024)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b" " * 65536
            try:
                sent = 0
                while sent < size:
                    k = min(len(chunk), size - sent)
                    self.wfile.write(chunk[:k])
                    sent += k
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            return
        if b == "401":
            self.send_json(401, self.error_body(
                anthropic, 401, "authentication_error",
                "Incorrect API key provided: sk-abc***xyz"))
            return
        if b == "429":
            self.send_json(429, self.error_body(
                anthropic, 429, "rate_limit_error", "Rate limit reached"),
                {"Retry-After": str(OPTS.retry_after)})
            return
        if b in ("400", "404", "500", "502", "503", "529"):
            st = int(b)
            self.send_json(st, self.error_body(
                anthropic, st, "overloaded_error" if st == 529 else
                "api_error", "stand-in status %d" % st))
            return
        if b == "malformed":
            if anthropic:
                self.send_raw(200, b'{"type":"message","content":[{"type"',
                              "application/json")
            else:
                self.send_json(200, self.openai_envelope(
                    model, idx, '{"verdict": "true_positive", "confid'))
            return
        if b == "schema":
            ans = {"verdict": "maybe", "confidence": 7, "reason": "Hmm.",
                   "fix": "use strncpy"}
        else:
            ans = derive_answer(user_text(body, anthropic))
        if anthropic:
            self.send_json(200, {
                "id": "msg_standin_%d" % idx, "type": "message",
                "role": "assistant", "model": model,
                "content": [{"type": "tool_use", "id": "toolu_%d" % idx,
                             "name": "report_triage", "input": ans}],
                "stop_reason": "tool_use", "stop_sequence": None,
                "usage": {"input_tokens": 10, "output_tokens": 10}})
        else:
            self.send_json(200, self.openai_envelope(model, idx,
                                                     json.dumps(ans)))

    def openai_envelope(self, model, idx, content):
        return {"id": "chatcmpl-standin-%d" % idx,
                "object": "chat.completion", "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "message": {
                    "role": "assistant", "content": content,
                    "refusal": None}, "logprobs": None,
                    "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10,
                          "total_tokens": 20}}

    def wait_for_client(self):
        """Hold the request open until the client goes away."""
        self.close_connection = True
        sock = self.connection
        while True:
            r, _, _ = select.select([sock], [], [], 0.2)
            if r:
                try:
                    if not sock.recv(1, socket.MSG_PEEK):
                        return
                except OSError:
                    return
                time.sleep(0.05)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # parallel clients connect at once


def behaviour_parser():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script")
    ap.add_argument("--behaviour", default="answer")
    ap.add_argument("--then", default=None)
    ap.add_argument("--delay-ms", type=int, default=0)
    ap.add_argument("--answered-log")
    ap.add_argument("--retry-after", default="1")
    ap.add_argument("--sub", nargs=2, metavar=("FROM", "TO"))
    ap.add_argument("--replacement")
    ap.add_argument("--fix-lines", nargs=2, metavar=("START", "END"))
    ap.add_argument("--verdict", default="true_positive")
    ap.add_argument("--verdicts")
    ap.add_argument("--omit-id", action="append")
    ap.add_argument("--confidence", type=float, default=0.9)
    ap.add_argument("--reason", default="User input reaches the sink.")
    # the answer's "component" (prompt pushfix-triage-2); absent: none
    ap.add_argument("--component")
    ap.add_argument("--expect-key")
    ap.add_argument("--huge-mb", type=float, default=20)
    return ap


def parse_behaviour(args):
    opts = behaviour_parser().parse_args(args)
    if opts.script:
        with open(opts.script) as f:
            for k, v in json.load(f).items():
                setattr(opts, k, v)
    return opts


def control(handler, raw):
    """POST /_standin/args: NUL-separated behaviour options replace the
    current ones (defaults for the rest); the log and the counters start
    afresh.  Lets one stand-in serve a whole test script."""
    global OPTS
    args = [a for a in raw.decode("utf-8").split("\0") if a]
    try:
        opts = parse_behaviour(args)
    except SystemExit:
        handler.send_json(400, {"error": "bad options %r" % args})
        return
    with LOCK:
        OPTS = opts
        SEEN.clear()
        COUNT[0] = 0
        LOGF.seek(0)
        LOGF.truncate()
    handler.send_json(200, {"ok": True, "args": args})


def main():
    global OPTS, LOGF
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--max-seconds", type=float, default=120)
    own, rest = ap.parse_known_args()
    OPTS = parse_behaviour(rest)
    LOGF = open(own.log, "a")
    srv = Server(("127.0.0.1", 0), Handler)
    tmp = own.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, own.port_file)

    def stop():
        time.sleep(own.max_seconds)
        LOGF.flush()
        os._exit(0)

    threading.Thread(target=stop, daemon=True).start()
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
