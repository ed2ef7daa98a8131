"""The Git server Flux's source-controller clones from: git's own smart HTTP, on loopback.

`git http-backend` is the CGI program git ships for serving repositories over
HTTP (git-http-backend(1)); this module is only the HTTP front that runs it for
each request, as a web server's CGI support would. Repositories are bare ones
under the served root, published to by `gitops.publish` with a plain local
`git push`. Plain HTTP on loopback: the one source URL scheme Flux allows without
credentials or a CA to trust.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit


def serve_argv(root: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "tests.e2e.harness.gitserver", str(root), str(port)]


class _GitHandler(http.server.BaseHTTPRequestHandler):
    root: Path

    def do_GET(self) -> None:
        self._backend()

    def do_POST(self) -> None:
        self._backend()

    def _backend(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": url.path,
            "QUERY_STRING": url.query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": self.client_address[0],
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
        }
        if self.headers.get("Content-Encoding") == "gzip":
            env["HTTP_CONTENT_ENCODING"] = "gzip"
        result = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
        )
        head, _, payload = result.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = result.stdout.partition(b"\n\n")
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"{self.command} {self.path} {args[1] if len(args) > 1 else ''}\n")


def serve(root: Path, port: int) -> None:
    handler = type("Handler", (_GitHandler,), {"root": root})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.serve_forever()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), int(sys.argv[2]))
