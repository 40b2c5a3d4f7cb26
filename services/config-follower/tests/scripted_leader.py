"""A leader stand-in for the follower's own route tests: GET /conf answers what the test picks.

Run as `python scripted_leader.py PORT KEY`; `PUT /case/<name>` picks the answer. `role` is an
ordinary role's files (revision 7); the others stand for a compromised leader sending paths that
lead out of dataFolder (the real leader never produces them from a folder walk). /conf answers 401
to any key but KEY, as the leader does. The follower with the real leader: tests/config.
"""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI, Header, HTTPException

ROLE = [
    {"path": "/conf/app.yml", "content": "domain: example.com\n"},
    {"path": "/nginx/site.conf", "content": "server_name example.com;\n"},
]
CASES = {
    "role": ROLE,
    "dotdot": [{"path": "/ok.txt", "content": "fine"}, {"path": "/../escaped.txt", "content": "x"}],
    "absolute": [{"path": "//tmp/escaped-by-config-test.txt", "content": "x"}],
    "nested-dotdot": [{"path": "/conf/../../../escaped.txt", "content": "x"}],
}
app = FastAPI()
current = {"case": "role"}
KEY = sys.argv[2] if len(sys.argv) > 2 else ""


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.put("/case/{name}")
def set_case(name: str) -> dict[str, str]:
    current["case"] = name
    return current


@app.get("/conf")
def conf(authorization: str = Header("")) -> dict[str, object]:
    if authorization != KEY:
        raise HTTPException(401, "unknown follower key")
    return {"files": CASES[current["case"]], "role": "web", "revision": 7}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
