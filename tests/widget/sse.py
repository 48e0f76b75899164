"""A small server-sent-events client over httpx for the stream tests: reads in a thread."""

from __future__ import annotations

import json
import queue
import threading
import time

import httpx


class Stream:
    def __init__(self, base_url: str, token: str, *, origin: str, last_event_id: int | None = None):
        headers = {"Authorization": f"Bearer {token}", "Origin": origin}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.events: queue.Queue = queue.Queue()
        self.status: int | None = None
        self._stop = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(30.0, connect=5.0))
        self._thread = threading.Thread(target=self._run, args=(base_url + "/widget/v1/stream", headers), daemon=True)
        self._ready = threading.Event()
        self._thread.start()
        self._ready.wait(10)

    def _run(self, url, headers):
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                self.status = response.status_code
                self._ready.set()
                kind, data = "message", ""
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith("event:"):
                        kind = line[6:].strip()
                    elif line.startswith("data:"):
                        data += line[5:].strip()
                    elif line == "":
                        if data:
                            self.events.put((kind, json.loads(data)))
                        kind, data = "message", ""
        except (httpx.HTTPError, RuntimeError):
            pass
        finally:
            self._ready.set()

    def wait_for(self, predicate, timeout: float = 5.0) -> list[tuple[str, object]]:
        """Events until one satisfies `predicate` (returned with all before it)."""
        seen, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                item = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            seen.append(item)
            if predicate(item):
                return seen
        raise AssertionError(f"no matching event within {timeout}s; saw {seen}")

    def drain(self, seconds: float = 0.3) -> list:
        time.sleep(seconds)
        items = []
        while not self.events.empty():
            items.append(self.events.get())
        return items

    def close(self) -> None:
        """Drop the connection the way a lost network does: no goodbye."""
        self._stop.set()
        self._client.close()
