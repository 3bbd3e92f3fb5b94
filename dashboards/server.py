"""Start the dashboard: :func:`serve` is what ``ptce dashboard`` calls."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).with_name("app.py")


def serve(db_url: str | None = None, host: str = "127.0.0.1", port: int = 8765) -> int:
    """Serve the dashboard on ``host:port`` until interrupted; returns the server's exit code.

    Args:
        db_url: results database the Compare page reads (read-only); None means the
            ``PTCE_DB`` environment variable, else the store's default.
        host: interface to bind; localhost unless told otherwise (the app runs simulations
            for whoever reaches it).
        port: TCP port.

    The offline front-end files are checked first (``python -m dashboards.assets``): without
    them the browser would wait on a CDN that closed networks cannot reach.
    """
    from dashboards import assets

    absent = assets.missing()
    if absent:
        print(f"warning: {len(absent)} front-end files are missing from "
              f"{assets.cache_dir()}; the page will try the CDN and stay on 'Loading app' "
              "without internet. Install them with: python -m dashboards.assets",
              file=sys.stderr)
    env = dict(os.environ)
    if db_url:
        env["PTCE_DB"] = db_url
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    print(f"PTCE dashboard on http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    cmd = [sys.executable, "-m", "solara", "run", str(APP), "--host", host, "--port", str(port),
           "--production"]
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 0
