"""Open a page in headless Chromium and report what a person would see.

Chromium is driven through its DevTools protocol over a pipe (``--remote-debugging-pipe``:
JSON messages separated by NUL bytes on file descriptors 3 and 4), so nothing beyond the
standard library and the ``chromium`` binary is needed.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["PageCheck", "find_chromium", "check_page"]

_IMAGES = """JSON.stringify(Array.from(document.images).map(i => ({
    alt: i.alt, complete: i.complete, naturalWidth: i.naturalWidth,
    naturalHeight: i.naturalHeight})))"""


@dataclass
class PageCheck:
    """What loading a page showed.

    Attributes
    ----------
    images : list of dict
        ``alt``, ``complete``, ``naturalWidth``, ``naturalHeight`` of every ``<img>``.
    errors : list of str
        Console errors, uncaught exceptions and failed resource loads.
    title : str
        The document title.
    screenshot : bytes
        PNG of the whole page.
    """

    images: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    title: str = ""
    screenshot: bytes = b""


def find_chromium() -> str | None:
    """Path of the Chromium binary (``$TORCHSOM_CHROMIUM`` or the usual names)."""
    wanted = os.environ.get("TORCHSOM_CHROMIUM")
    for name in ([wanted] if wanted else []) + ["chromium", "chromium-browser",
                                               "google-chrome"]:
        found = shutil.which(name)
        if found:
            return found
    return None


class _DevTools:
    """A minimal DevTools-protocol client over Chromium's debugging pipe."""

    def __init__(self, binary: str, profile: str) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire() -> None:  # runs in the child: Chromium reads fd 3, writes fd 4
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-extensions", "--hide-scrollbars", "--remote-debugging-pipe",
             f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=wire, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None, timeout: float = 60.0) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method,
                                   "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, event: str, deadline: float) -> None:
        while not any(e.get("method") == event for e in self.events):
            self.events.append(self._read(deadline))

    def _read(self, deadline: float) -> dict[str, Any]:
        import select

        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the debugging pipe")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


def _error_text(event: dict[str, Any]) -> str | None:
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        return "console: " + " ".join(str(a.get("value", a.get("description", "")))
                                      for a in params.get("args", []))
    if method == "Runtime.exceptionThrown":
        details = params.get("exceptionDetails", {})
        return "exception: " + str(details.get("exception", {}).get("description")
                                   or details.get("text"))
    if method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
        entry = params["entry"]
        return f"log ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}"
    return None


def check_page(page: Path, width: int = 1280, timeout: float = 120.0) -> PageCheck:
    """Load ``page`` (a local HTML file) in headless Chromium and inspect it.

    Raises
    ------
    RuntimeError
        If no Chromium binary is found.
    """
    binary = find_chromium()
    if binary is None:
        raise RuntimeError("no chromium binary found; run 'make chromium'")
    with tempfile.TemporaryDirectory(prefix="torchsom-chromium-") as profile:
        tools = _DevTools(binary, profile)
        try:
            deadline = time.monotonic() + timeout
            target = tools.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = tools.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
                tools.call(domain, session=session)
            tools.call("Emulation.setDeviceMetricsOverride",
                       {"width": width, "height": 900, "deviceScaleFactor": 1,
                        "mobile": False}, session=session)
            tools.call("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
            tools.wait_for("Page.loadEventFired", deadline)
            evaluate = {"expression": _IMAGES, "returnByValue": True}
            images = json.loads(tools.call("Runtime.evaluate", evaluate,
                                           session=session)["result"]["value"])
            title = tools.call("Runtime.evaluate", {"expression": "document.title",
                                                    "returnByValue": True},
                               session=session)["result"]["value"]
            shot = tools.call("Page.captureScreenshot",
                              {"format": "png", "captureBeyondViewport": True},
                              session=session)["data"]
        finally:
            tools.close()
    errors = [text for text in map(_error_text, tools.events) if text]
    return PageCheck(images, errors, title, base64.b64decode(shot))
