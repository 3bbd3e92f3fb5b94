"""The figures the source document gives for the presets' poles
(``scenarios/ptce/seed_figures.yaml``): face validation of the presets, never a calibration
target. :func:`load_seed_figures` reads and checks the file; :func:`figures_for` selects a
preset's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from scenarios.loader import PRESETS_DIR

SEED_FIGURES_FILE = PRESETS_DIR / "ptce" / "seed_figures.yaml"
_KEYS = {"preset", "outcome", "period", "seed_value", "unit", "section", "quote",
         "not_modelled"}


@dataclass(frozen=True)
class SeedFigure:
    """One documented figure: ``outcome`` is None when the model cannot produce it yet
    (``not_modelled`` says why)."""

    preset: str
    outcome: str | None
    period: str
    seed_value: float
    unit: str
    section: str
    quote: str
    not_modelled: str = ""


class SeedFiguresError(ValueError):
    """The file of seed figures cannot be used (its path and the entry are named)."""


def load_seed_figures(path: Path = SEED_FIGURES_FILE) -> list[SeedFigure]:
    """Every entry of the file, checked: known keys, an outcome of the model or a reason why
    not, a number for the seed value, a preset that exists."""
    from model import OUTCOME_DOCS
    from scenarios import list_presets

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = data.get("figures") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise SeedFiguresError(f"{path}: expected a mapping with a non-empty list `figures`")
    presets = set(list_presets())
    out = []
    for i, entry in enumerate(entries):
        where = f"{path}: figures[{i}]"
        if not isinstance(entry, dict):
            raise SeedFiguresError(f"{where}: expected a mapping")
        unknown = set(entry) - _KEYS
        if unknown:
            raise SeedFiguresError(f"{where}: unknown key(s) {sorted(unknown)}")
        try:
            figure = SeedFigure(preset=str(entry["preset"]), outcome=entry.get("outcome"),
                                period=str(entry["period"]),
                                seed_value=float(entry["seed_value"]), unit=str(entry["unit"]),
                                section=str(entry["section"]), quote=str(entry["quote"]),
                                not_modelled=str(entry.get("not_modelled") or ""))
        except KeyError as exc:
            raise SeedFiguresError(f"{where}: missing key {exc.args[0]!r}") from None
        except (TypeError, ValueError):
            raise SeedFiguresError(f"{where}: seed_value must be a number") from None
        if figure.preset not in presets:
            raise SeedFiguresError(f"{where}: no preset {figure.preset!r}")
        if figure.outcome is None and not figure.not_modelled:
            raise SeedFiguresError(f"{where}: outcome null needs `not_modelled` (why)")
        if figure.outcome is not None and figure.outcome not in OUTCOME_DOCS:
            raise SeedFiguresError(f"{where}: {figure.outcome!r} is not an outcome of the "
                                   "model (model.OUTCOME_DOCS)")
        out.append(figure)
    return out


def figures_for(preset: str, path: Path = SEED_FIGURES_FILE) -> list[SeedFigure]:
    """The figures of preset ``preset`` (``ptce/le_phares``), in the file's order."""
    return [f for f in load_seed_figures(path) if f.preset == preset]
