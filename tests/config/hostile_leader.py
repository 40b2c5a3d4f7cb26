"""A compromised leader for the traversal test: GET /conf answers paths leading out.

Run as `python hostile_leader.py PORT`; `PUT /case/<name>` picks the answer. It stands for an
attacker, not for the real leader (which never produces such paths from a folder walk).
"""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI

CASES = {
    "dotdot": [{"path": "/ok.txt", "content": "fine"}, {"path": "/../escaped.txt", "content": "x"}],
    "absolute": [{"path": "//tmp/escaped-by-config-test.txt", "content": "x"}],
    "nested-dotdot": [{"path": "/conf/../../../escaped.txt", "content": "x"}],
}
app = FastAPI()
current = {"case": "dotdot"}


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.put("/case/{name}")
def set_case(name: str) -> dict[str, str]:
    current["case"] = name
    return current


@app.get("/conf")
def conf() -> dict[str, object]:
    return {"files": CASES[current["case"]], "revision": 1}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
