"""HTTP for the scripts: one client per service, its failures turned into one-line ScriptErrors."""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from analytics.scripts.options import ScriptError, UsageError

TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class Service:
    """A JSON API at a base URL, sending the key in both headers the memex clients used."""

    def __init__(self, name: str, base_url: str, apikey: str | None) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise UsageError(
                f"the {name} URL must start with http:// or https://, not {base_url!r}"
            )
        self.name = name
        self.base_url = base_url.rstrip("/")
        headers = {"X-Api-Key": apikey, "x-wenet-component-apikey": apikey} if apikey else {}
        # ssl's default context honours SSL_CERT_FILE (e.g. the suite's .local/tls/ca.crt).
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            verify=ssl.create_default_context(),
            timeout=TIMEOUT,
        )

    def close(self) -> None:
        """Closes the connections."""
        self._http.close()

    def request(
        self, method: str, path: str, *, ok: tuple[int, ...] = (200, 201), **kwargs: Any
    ) -> httpx.Response:
        """One call; unreachable, refused or failed calls become a ScriptError naming the service."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__
            if "CERTIFICATE_VERIFY_FAILED" in reason:
                reason += " (trust its CA with SSL_CERT_FILE=<ca.crt>)"
            raise ScriptError(
                f"cannot reach the {self.name} at {self.base_url}: {reason}"
            ) from None
        if response.status_code in ok:
            return response
        if response.status_code in (401, 403):
            raise ScriptError(
                f"the {self.name} at {self.base_url} refused the API key "
                f"({response.status_code} on {method} {path})"
            )
        raise ScriptError(
            f"the {self.name} at {self.base_url} answered {response.status_code} "
            f"on {method} {path}: {_reason(response)}"
        )

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON body of a successful call."""
        response = self.request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise ScriptError(
                f"the {self.name} at {self.base_url} answered {method} {path} with no JSON "
                "(is this the right URL?)"
            ) from None


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return " ".join(response.text.split())[:200] or response.reason_phrase
    if isinstance(body, dict):
        for key in ("status", "detail", "error", "message"):
            if body.get(key):
                return str(body[key])[:200]
    return str(body)[:200]
