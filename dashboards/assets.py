"""Offline front-end assets for the Solara dashboard.

Solara serves its browser front-end (Vue/Vuetify bundle, RequireJS, Font Awesome, Vega for
Altair charts, KaTeX and Mermaid for ``solara.Markdown``) through a proxy at ``/_solara/cdn``
that fetches from ``cdn.jsdelivr.net`` on first use and caches the files in
``<prefix>/share/solara/cdn``. On a closed network the fetch fails and the page stays on
"Loading app". This module fills that cache ahead of time from the npm registry:

    python -m dashboards.assets            # install what the installed solara requests
    python -m dashboards.assets --check    # exit 1 and list what is missing

Each package is fetched with ``npm pack NAME@VERSION`` and unpacked into
``<cache>/<name>@<version>/`` (the directory spelled as the URL spells it, scope included), then
trimmed to the files the browser loads. The versions are read from the installed solara's own
templates and components, so a solara upgrade asks for the right versions without editing this
file. Installing is idempotent: a package whose directory carries a matching marker is skipped.

For a machine with no registry access, run ``--tarballs DIR`` once where npm works (the
tarballs are kept in DIR), copy DIR over, and run the same command there: tarballs found in DIR
are used instead of npm.
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MARKER = ".ptce-assets.json"
#: Bumped when the trimming rules change, so that existing directories are redone.
LAYOUT_VERSION = 1


@dataclass(frozen=True)
class Package:
    """One npm package the browser loads through ``/_solara/cdn``.

    Attributes:
        name: npm name, scope included.
        keep: glob patterns (relative to the package root) of the files to keep.
        drop: glob patterns removed even if kept by ``keep`` (source maps, other builds).
        min_copies: ``(source, copy)`` pairs: jsDelivr minifies any file on request
            (``require.min.js``), npm tarballs do not ship those, so the copy stands in.
    """

    name: str
    keep: tuple[str, ...]
    drop: tuple[str, ...] = ("*.map",)
    min_copies: tuple[tuple[str, str], ...] = ()


def _ipywidgets_major() -> int:
    import ipywidgets

    return int(ipywidgets.__version__.split(".")[0])


def _vuetify3() -> bool:
    import ipyvuetify

    return int(ipyvuetify.__version__.split(".")[0]) >= 3


def packages() -> list[Package]:
    """The packages the installed solara, ipyvuetify and ipywidgets make the browser load."""
    other = "7" if _ipywidgets_major() >= 8 else "8"
    app = "@widgetti/solara-vuetify3-app" if _vuetify3() else "@widgetti/solara-vuetify-app"
    return [
        # the bundle for the other ipywidgets major is never requested
        Package(app, keep=("dist/*",),
                drop=("*.map", f"*app{other}.js", f"*app{other}.min.js",
                      f"*app{other}.min.js.LICENSE.txt", f"main{other}.css")),
        Package("requirejs", keep=("require.js",),
                min_copies=(("require.js", "require.min.js"),)),
        Package("font-awesome", keep=("css/*", "fonts/*")),
        Package("vega", keep=("build/vega.min.js", "build/vega.js")),
        Package("vega-lite", keep=("build/vega-lite.min.js", "build/vega-lite.js")),
        Package("vega-embed", keep=("build/vega-embed.min.js", "build/vega-embed.js")),
        Package("katex", keep=("dist/katex.min.js", "dist/katex.min.css", "dist/fonts/*",
                               "dist/contrib/auto-render.min.js")),
        Package("mermaid", keep=("dist/mermaid.min.js",)),
        Package("@widgetti/vue-grid-layout", keep=("dist/*",)),
    ]


def _solara_files() -> list[Path]:
    import solara

    root = Path(solara.__file__).parent
    suffixes = {".py", ".vue", ".j2", ".html", ".js"}
    skip = {"website", "template", "test", "tests"}
    return [p for p in root.rglob("*") if p.suffix in suffixes and p.is_file()
            and not skip.intersection(p.relative_to(root).parts)]


def requested_versions(names: list[str]) -> dict[str, str]:
    """The version (or major range such as ``5``) of each package that solara's files request.

    Raises:
        LookupError: a package is requested by no file of the installed solara (its URL
            scheme changed: update :func:`packages`).
    """
    found: dict[str, set[str]] = {n: set() for n in names}
    patterns = {n: re.compile(r"/" + re.escape(n) + r"@([0-9][0-9A-Za-z.+-]*)/") for n in names}
    for path in _solara_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for name, pattern in patterns.items():
            found[name].update(pattern.findall(text))
    missing = [n for n, v in found.items() if not v]
    if missing:
        import solara

        raise LookupError(
            f"solara {solara.__version__} requests no version of {missing} in its files; "
            "update dashboards/assets.py:packages() to what the server log asks for"
        )
    # several versions of one package would all be served; the newest spelled one is enough
    # in practice, but keep all to be exact
    return {n: ",".join(sorted(v)) for n, v in found.items()}


def cache_dir() -> Path:
    """Where solara's CDN proxy looks for files (``SOLARA_ASSETS_PROXY_CACHE_DIR`` honoured)."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def _specs() -> list[tuple[Package, str]]:
    pkgs = packages()
    versions = requested_versions([p.name for p in pkgs])
    return [(p, v) for p in pkgs for v in versions[p.name].split(",")]


def _marker(pkg: Package, version: str, resolved: str) -> dict[str, object]:
    return {"name": pkg.name, "spec": version, "resolved": resolved, "layout": LAYOUT_VERSION,
            "keep": list(pkg.keep), "drop": list(pkg.drop)}


def _is_current(target: Path, pkg: Package, version: str) -> bool:
    try:
        marker = json.loads((target / MARKER).read_text())
    except (OSError, ValueError):
        return False
    return (marker.get("layout") == LAYOUT_VERSION and marker.get("spec") == version
            and marker.get("keep") == list(pkg.keep) and marker.get("drop") == list(pkg.drop))


def _tarball_name(name: str, version: str) -> str:
    # the file name npm pack gives: scope without '@', '/' as '-'
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def _fetch(name: str, version: str, tarballs: Path | None, workdir: Path) -> Path:
    if tarballs is not None:
        exact = tarballs / _tarball_name(name, version)
        if exact.exists():
            return exact
        # a range (vega@5): any tarball of that major
        prefix = _tarball_name(name, version)[: -len(".tgz")]
        matches = sorted(tarballs.glob(prefix + ".*.tgz")) if "." not in version else []
        if matches:
            return matches[-1]
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            f"npm is needed to fetch {name}@{version} (apt-get install npm), or pass --tarballs "
            "DIR with the tarballs made by `npm pack` on a machine that reaches the registry"
        )
    dest = tarballs if tarballs is not None else workdir
    dest.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([npm, "pack", f"{name}@{version}", "--pack-destination", str(dest),
                           "--json", "--silent"], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"npm pack {name}@{version} failed:\n{proc.stderr.strip()}")
    info = json.loads(proc.stdout)
    return dest / info[0]["filename"]


def _keep(pkg: Package, rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    if any(fnmatch.fnmatch(name, d) or fnmatch.fnmatch(rel, d) for d in pkg.drop):
        return False
    return any(fnmatch.fnmatch(rel, k) for k in pkg.keep)


def _unpack(tgz: Path, pkg: Package, target: Path) -> tuple[str, int]:
    """Unpack the kept files of ``tgz`` into ``target`` (replaced atomically)."""
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
    resolved = "?"
    size = 0
    try:
        with tarfile.open(tgz) as tar:
            for member in tar.getmembers():
                if not member.isfile():
                    continue
                rel = member.name.split("/", 1)[1] if "/" in member.name else member.name
                if rel == "package.json":
                    meta = tar.extractfile(member)
                    if meta is not None:
                        resolved = json.load(io.TextIOWrapper(meta, "utf-8"))["version"]
                if not _keep(pkg, rel) or ".." in Path(rel).parts:
                    continue
                data = tar.extractfile(member)
                if data is None:
                    continue
                out = tmp / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data.read())
                size += member.size
        for source, copy in pkg.min_copies:
            if (tmp / source).exists() and not (tmp / copy).exists():
                shutil.copyfile(tmp / source, tmp / copy)
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return resolved, size


def install(target_root: Path | None = None, tarballs: Path | None = None,
            log: Callable[[str], None] = print) -> list[Path]:
    """Install every package solara requests into ``target_root`` (default :func:`cache_dir`).

    Returns the package directories that were (re)installed; an up-to-date one is skipped.
    """
    root = target_root or cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    done: list[Path] = []
    with tempfile.TemporaryDirectory() as work:
        for pkg, version in _specs():
            target = root / f"{pkg.name}@{version}"
            if _is_current(target, pkg, version):
                log(f"  {pkg.name}@{version}: up to date")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            tgz = _fetch(pkg.name, version, tarballs, Path(work))
            resolved, size = _unpack(tgz, pkg, target)
            (target / MARKER).write_text(json.dumps(_marker(pkg, version, resolved), indent=1))
            log(f"  {pkg.name}@{version}: installed {resolved} ({size / 1e6:.1f} MB kept)")
            done.append(target)
    return done


def required_files() -> list[str]:
    """The files a dashboard page with Altair charts loads (checked before serving)."""
    w = _ipywidgets_major()
    out = []
    for pkg, version in _specs():
        base = f"{pkg.name}@{version}"
        if pkg.name.endswith(("solara-vuetify-app", "solara-vuetify3-app")):
            out += [f"{base}/dist/main{w}.css", f"{base}/dist/fonts.css",
                    f"{base}/dist/solara-vuetify-app{w}.min.js"]
        elif pkg.name == "requirejs":
            out += [f"{base}/require.js", f"{base}/require.min.js"]
        elif pkg.name == "font-awesome":
            out.append(f"{base}/css/font-awesome.min.css")
        elif pkg.name.startswith("vega"):
            out.append(f"{base}/build/{pkg.name}.min.js")
    return out


def missing(target_root: Path | None = None) -> list[str]:
    """Required files absent from the cache (empty when the dashboard can run offline)."""
    root = target_root or cache_dir()
    return [f for f in required_files() if not (root / f).is_file()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards.assets", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report missing files")
    parser.add_argument("--target", type=Path, default=None,
                        help="cache directory (default: solara's proxy cache of this Python)")
    parser.add_argument("--tarballs", type=Path, default=None,
                        help="keep (or reuse) the npm tarballs in this directory")
    args = parser.parse_args(argv)
    root = args.target or cache_dir()
    if args.check:
        absent = missing(root)
        for f in absent:
            print(f"missing: {root / f}")
        print("offline assets: " + ("complete" if not absent else f"{len(absent)} files missing"))
        return 1 if absent else 0
    print(f"offline assets for the dashboard -> {root}")
    try:
        install(root, args.tarballs)
    except (RuntimeError, LookupError, subprocess.TimeoutExpired) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    absent = missing(root)
    if absent:
        print(f"error: still missing after install: {absent}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
