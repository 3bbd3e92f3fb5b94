"""The Explore page's scenario as a YAML file: download what Run would simulate, upload a file
that sets the controls.

A downloaded file is the whole parameter tree of the scenario the controls describe
(:func:`dashboards.explore.build_params`), so ``ptce run FILE`` runs the same territory, and
uploading it gives the same scenario back. An uploaded file is checked by the model's own
validation, through :func:`scenarios.load_scenario` (every problem named, with its line), and
by the dashboard's control ranges; a file that fails is refused whole (:class:`UploadError`),
so nothing on the page changes.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dashboards import i18n
from model import TerritoryParams
from scenarios import ScenarioError, list_presets, load_scenario

#: Largest file accepted (a full scenario is under 10 kB).
MAX_BYTES = 512 * 1024

#: The dashboard's ranges of the values its sliders carry (key, label key, low, high).
RANGES: tuple[tuple[str, str, int, int], ...] = (
    ("population.persons", "persons", 1_000, 100_000),
    ("simulation.months", "months", 12, 240),
)


@dataclass
class UploadError(Exception):
    """An uploaded file that is not a scenario the page can use: ``problems`` in the
    interface's language (the model's validation names keys and expected values)."""

    file: str
    problems: list[str]

    def message(self, lang: str = "fr") -> str:
        n = len(self.problems)
        head = i18n.t("yaml.invalid", lang, file=self.file,
                      count=i18n.plural("yaml.problems", n, lang))
        return "\n".join([head, *(f"- {p}" for p in self.problems)])

    def __str__(self) -> str:
        return self.message("en")


def to_yaml(params: TerritoryParams, *, source: str = "", seed: int | None = None,
            origin: str = "saved from the dashboard's Explore page",
            notes: tuple[str, ...] = ()) -> str:
    """The scenario ``params`` as a YAML file ``ptce run`` and the upload both read;
    ``origin`` says where it comes from, ``notes`` are extra comment lines."""
    head = [f"# PTCE simulator scenario, {origin}",
            "# (the whole parameter tree: `ptce run FILE` simulates the same territory)."]
    head += [f"# {note}" for note in notes]
    if source:
        head.append(f"# Started from: {source}")
    if seed is not None:
        head.append(f"# Seed on the page: {seed} (`ptce run FILE --seed {seed}`)")
    body = yaml.safe_dump(params.model_dump(mode="json"), allow_unicode=True,
                          sort_keys=False, width=100)
    return "\n".join(head) + "\n" + body


def _problem_text(problem: Any, lang: str) -> str:
    """One problem of the loader (:class:`scenarios.Problem`) in ``lang``: the key and line in
    the interface's words; what the model says of the value stays as the model says it."""
    if lang == "en":
        return str(problem)
    where = ""
    if problem.line is not None:
        where = f"ligne {problem.line}" + (f", colonne {problem.column}"
                                           if problem.column else "")
    message = _FRENCH_MESSAGES.get(problem.message, problem.message)
    text = f"{problem.path} ({where})" if problem.path and where else (problem.path or where)
    text = f"{text} : {message}" if text else message
    if problem.expected:
        text += f" ; attendu : {problem.expected}"
    if problem.has_received:
        shown = repr(problem.received)
        text += f", reçu : {shown if len(shown) <= 80 else shown[:77] + '...'}"
    if problem.suggestion:
        text += f" ; vouliez-vous dire « {problem.suggestion} » ?"
    return text


#: The loader's fixed messages in French (others, the rules' own words, stay in English).
_FRENCH_MESSAGES: dict[str, str] = {
    "unknown key": "clé inconnue",
    "invalid value": "valeur non valide",
    "required key missing": "clé obligatoire manquante",
    "wrong number of items": "nombre d'éléments incorrect",
    "key given twice (YAML keeps only the last)":
        "clé donnée deux fois (YAML ne garde que la dernière)",
    "the file must be a mapping of keys (name: ..., population: ...)":
        "le fichier doit être une liste de clés (name: ..., population: ...)",
    "bad extends": "extends non valide",
}


def _extends_problem(text: str, lang: str) -> str | None:
    """An ``extends`` that is not a preset: an uploaded file must not read server files."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None  # the loader names the YAML error with its line
    if not isinstance(data, dict) or "extends" not in data:
        return None
    parent = data["extends"]
    name = str(parent).removesuffix(".yaml").removesuffix(".yml").strip("/")
    if isinstance(parent, str) and name in list_presets():
        return None
    return i18n.t("yaml.extends", lang, value=parent)


def from_yaml(data: bytes, filename: str = "scenario.yaml", lang: str = "fr"
              ) -> TerritoryParams:
    """The scenario an uploaded file holds, validated by the model; :class:`UploadError`
    (every problem, in ``lang``) when it cannot set the page's controls."""
    name = Path(filename or "scenario.yaml").name
    if len(data) > MAX_BYTES:
        raise UploadError(name, [i18n.t("yaml.too_big", lang, size=MAX_BYTES // 1024)])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UploadError(name, [i18n.t("yaml.encoding", lang)]) from None
    extends = _extends_problem(text, lang)
    if extends:
        raise UploadError(name, [extends])
    with tempfile.TemporaryDirectory(prefix="ptce-upload-") as folder:
        path = Path(folder) / "scenario.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            params = load_scenario(path)
        except ScenarioError as exc:
            raise UploadError(name, [_problem_text(p, lang) for p in exc.problems]) from None
    problems = []
    for key, label, low, high in RANGES:
        section, field = key.split(".")
        value = getattr(getattr(params, section), field)
        if not low <= value <= high:
            problems.append(i18n.t("yaml.range", lang, what=i18n.t(label, lang),
                                   value=i18n.number(value, 0, lang),
                                   low=i18n.number(low, 0, lang),
                                   high=i18n.number(high, 0, lang)))
    if problems:
        raise UploadError(name, problems)
    return params
