"""`ptce report`: French number formatting, and the report of a small Le PHARES (2,000
persons, 36 months: its last event is in month 35, 2 replications)."""

from __future__ import annotations

import base64
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from experiments.cli.main import app
from experiments.results import french as fr
from experiments.results.effects import EFFECTS
from experiments.results.report import HEADLINES, cited_sections, scenario_info
from scenarios import PRESETS_DIR, load_scenario

runner = CliRunner()
SMALL = ["--replications", "2", "--persons", "2000", "--months", "36"]
THIN, NBSP, MINUS = "\u202f", "\u00a0", "\u2212"


# ------------------------------------------------------------------ French number formatting

@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (1234, 0, f"1{THIN}234"),
    (1234567.891, 2, f"1{THIN}234{THIN}567,89"),
    (999.95, 1, f"1{THIN}000,0"),        # rounding carries into a new thousands group
    (999, 0, "999"),
    (-1234.5, 0, f"{MINUS}1{THIN}235"),  # halves away from zero, minus sign U+2212
    (2.675, 2, "2,68"),                  # the decimal a reader writes, not the binary float
    (0.125, 2, "0,13"),
    (12.5, 0, "13"),
    (-0.04, 1, "0,0"),                   # rounds to zero: no "−0,0"
    (0.0, 2, "0,00"),
])
def test_number_known_answers(value, decimals, expected):
    """Catches a dot for decimals, an ordinary or missing thousands space, banker's or
    binary rounding (2.675 -> 2,67; 12.5 -> 12), a hyphen for minus, and a signed zero."""
    assert fr.number(value, decimals) == expected


def test_number_signs_english_and_missing_values():
    """Catches a missing '+' on a positive difference, a '+' on zero, English formatting
    leaking French separators, and NaN shown as 'nan'."""
    assert fr.number(5, sign=True) == "+5"
    assert fr.number(0.0001, 2, sign=True) == "0,00"
    assert fr.number(-1234.5, 1, lang="en") == f"{MINUS}1,234.5"
    assert fr.number(1234567, lang="en", sign=True) == "+1,234,567"
    assert fr.number(math.nan) == "n.d."
    assert fr.number(math.nan, lang="en") == "n/a"


def test_percent_and_money():
    """Catches a share not multiplied by 100, a missing no-break space before % or €, and
    the euro sign on the wrong side in English."""
    assert fr.percent(0.125) == f"12,5{NBSP}%"
    assert fr.percent(0.3, 0) == f"30{NBSP}%"
    assert fr.percent(0.125, lang="en") == "12.5%"
    assert fr.money(150_000) == f"150{THIN}000{NBSP}€"
    assert fr.money(-6591.25) == f"{MINUS}6{THIN}591{NBSP}€"
    assert fr.money(93_333.33, sign=True) == f"+93{THIN}333{NBSP}€"
    assert fr.money(150_000, lang="en") == "€150,000"
    assert fr.money(-5, lang="en") == f"{MINUS}€5"


@pytest.mark.parametrize(("diff", "decimals", "expected"), [
    (0.008, 1, f"+0,8{NBSP}point de pourcentage"),
    (-0.0134, 2, f"{MINUS}1,34{NBSP}point de pourcentage"),
    (0.025, 1, f"+2,5{NBSP}points de pourcentage"),   # French plural from 2
    (0.0199, 1, f"+2,0{NBSP}points de pourcentage"),  # plural of the rounded value
    (-0.00001, 1, f"0,0{NBSP}point de pourcentage"),
])
def test_points_of_percentage(diff, decimals, expected):
    """A difference of rates is in points, never in '%': catches '%', a missing x100, the
    wrong plural and an unsigned positive difference."""
    text = fr.points(diff, decimals)
    assert text == expected
    assert "%" not in text


def test_points_in_english_and_rate_differences():
    """Catches English plural errors and a rate difference (the report's unemployment
    rate) formatted as a percentage instead of points, with the unit once after an interval."""
    assert fr.points(0.01, lang="en") == f"+1.0{NBSP}percentage point"
    assert fr.points(0.008, lang="en") == f"+0.8{NBSP}percentage points"
    assert fr.difference("unemployment_rate", -0.0013429) == \
        f"{MINUS}0,13{NBSP}point de pourcentage"
    assert fr.difference_interval("unemployment_rate", -0.00522, 0.00254) == \
        f"[{MINUS}0,52{NBSP};{NBSP}+0,25]{NBSP}point de pourcentage"
    assert fr.difference("durable_employment", 4.6667) == "+4,7"
    assert fr.level("long_term_unemployed_share", 0.0424) == f"4,2{NBSP}%"


def test_every_effect_has_words():
    """Catches a new effect of experiments.results.effects that the report would show by its
    snake_case name."""
    missing = [name for name in EFFECTS if name not in fr.LABELS]
    assert missing == []
    for label in fr.LABELS.values():
        assert "_" not in label.fr + label.en + label.unit_fr + label.unit_en


# -------------------------------------------------------------------- what the scenario says

def test_cited_sections_of_the_presets():
    """Known answers read from the descriptions: catches a Roman numeral found inside a word
    (IDF), a bare 'annex' listed beside a named sheet or not tied to the sheet named just
    before it (Les Alchimistes), and lost order."""
    phares = load_scenario("ptce/le_phares").description
    assert cited_sections(phares) == ["Introduction", "annex:Groupe de travail Insertion",
                                      "II.2", "annex:Les Alchimistes"]
    text = ('A pole (IV, seven-step process), members (Halage, Études et chantiers IDF) and '
            'sheets (annexes "Formations qualifiantes" and "Evolutions") (I.3, incubator role)')
    assert cited_sections(text) == ["IV", "annex:Formations qualifiantes", "annex:Evolutions",
                                    "I.3"]


def test_scenario_info_territory_and_calibration(tmp_path):
    """Le PHARES extends the uncalibrated Paris file (a calibrated one exists); a scenario
    extending the calibrated file is calibrated. Catches a wrong zone name, a status read
    from the wrong file and a missed calibrated file."""
    file = PRESETS_DIR / "ptce" / "le_phares.yaml"
    info = scenario_info(file, load_scenario(file))
    assert (info.zone_code, info.zone_name) == ("1109", "Paris")
    assert info.territory_file == (PRESETS_DIR / "territories" / "1109_paris.yaml").resolve()
    assert not info.calibrated
    assert info.calibrated_file is not None and info.calibrated_file.name == "1109_paris.yaml"
    assert info.calibration_fit is not None and 0 < info.calibration_fit[0] < 0.5
    mine = tmp_path / "pole.yaml"
    mine.write_text(f"extends: {PRESETS_DIR / 'territories/calibrated/1109_paris.yaml'}\n"
                    "name: my pole\nptce: {name: my pole}\n", encoding="utf-8")
    info = scenario_info(mine, load_scenario(mine))
    assert info.calibrated and info.zone_name == "Paris"
    assert not info.ptce_preset


# ------------------------------------------------------------------------------ the report

class _Page(HTMLParser):
    """Headline figures (data-effect / data-field), visible text (``own``: outside the
    quotations of the scenario files) and every src/href."""

    def __init__(self) -> None:
        super().__init__()
        self.headlines: dict[str, dict[str, str]] = {}
        self.texts: list[str] = []
        self.own: list[str] = []
        self._quote = 0
        self.refs: list[str] = []
        self.lang = ""
        self._effect: str | None = None
        self._field: str | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang", "")
        self.refs += [v for k, v in attrs if k in ("src", "href") and v]
        if tag in ("style", "script"):
            self._skip += 1
        if tag == "blockquote":
            self._quote += 1
        if "data-effect" in a:
            self._effect = a["data-effect"]
            self.headlines[self._effect] = {}
        if "data-field" in a and self._effect:
            self._field = a["data-field"]
            self.headlines[self._effect][self._field] = ""

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        if tag == "blockquote":
            self._quote -= 1
        if tag == "span":
            self._field = None
        if tag == "div" and self._effect:
            self._effect = None

    def handle_data(self, data):
        if self._skip:
            return
        self.texts.append(data)
        if not self._quote:
            self.own.append(data)
        if self._effect and self._field:
            self.headlines[self._effect][self._field] += data
        elif self._effect:
            self.headlines[self._effect].setdefault("rest", "")
            self.headlines[self._effect]["rest"] += data


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def read_number(text: str, lang: str) -> tuple[float, int]:
    """A number as shown (``−1 234,5``, ``+0,13``, ``€93,333``) -> (value, decimals)."""
    t = text.replace(MINUS, "-").replace("€", "").replace(THIN, "").replace(NBSP, " ").strip()
    if lang == "en":
        t = t.replace(",", "")
        m = re.match(r"([+-]?)(\d+)(?:\.(\d+))?(?!\S*\d)", t)
    else:
        m = re.match(r"([+-]?)(\d+)(?:,(\d+))?(?!\S*\d)", t)
    assert m, f"not a number in the {lang} format: {text!r}"
    frac = m.group(3) or ""
    value = float(f"{m.group(1)}{m.group(2)}.{frac or '0'}")
    return value, len(frac)


def check_headlines(page: _Page, table: pd.DataFrame, lang: str) -> None:
    assert set(HEADLINES) <= set(page.headlines), page.headlines.keys()
    for name in HEADLINES:
        shown = page.headlines[name]
        # a rate's difference is shown in points (or %): the table holds shares
        scale = 100.0 if re.search(r"point|%", shown["mean"]) else 1.0
        for field in ("mean", "low", "high"):
            if field not in shown:
                continue
            if math.isnan(table.loc[name, field]):  # e.g. a cost per job without a gain
                assert shown[field].strip() == fr.number(math.nan, lang=lang), (name, field)
                continue
            value, decimals = read_number(shown[field], lang)
            expected = scale * table.loc[name, field]
            assert abs(value - expected) <= 0.5 * 10 ** -decimals + 1e-9, (
                f"{name} {field}: shown {shown[field]!r}, effects.csv {table.loc[name, field]}")


@pytest.fixture(scope="module")
def french_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fr") / "rapport"
    res = runner.invoke(app, ["report", "ptce/le_phares", *SMALL, "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def english_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("en") / "report"
    res = runner.invoke(app, ["report", "ptce/le_phares", *SMALL, "--lang", "en",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_report_files(french_report):
    """Catches a missing file, a Markdown copy pointing at pictures that are not there, and
    PNGs that are not PNGs."""
    names = {p.name for p in french_report.iterdir()}
    assert {"report.html", "report.md", "effects.csv", "runs.csv", "effect_over_time.png",
            "effects.png", "decomposition.png"} <= names
    md = (french_report / "report.md").read_text(encoding="utf-8")
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert sorted(pictures) == ["decomposition.png", "effect_over_time.png", "effects.png"]
    for name in pictures:
        assert (french_report / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [n for n in names if n.startswith(".")]


def test_headline_figures_equal_effects_csv(french_report):
    """The headline figures, read back from the HTML as French numbers, equal effects.csv to
    their shown precision: catches a figure taken from the wrong column or arm, a rate not
    in points, a bound swapped, a formatting that cannot be read back (ordinary spaces,
    dots), and a CSV written from another table than the report's."""
    table = pd.read_csv(french_report / "effects.csv", index_col=0)
    page = parse(french_report / "report.html")
    check_headlines(page, table, "fr")
    # the interval bounds are there for the effects that have one
    assert {"low", "high"} <= set(page.headlines["net_durable_jobs"])
    md = (french_report / "report.md").read_text(encoding="utf-8")
    assert fr.difference("net_durable_jobs", table.loc["net_durable_jobs", "mean"]) in md


def test_effects_csv_intervals_recomputed_from_runs(french_report):
    """effects.csv against an independent recomputation from runs.csv (paired differences,
    Student t with n - 1 degrees of freedom): catches a normal quantile or ddof=0 in the
    report's added rows, a cost left out of the public spending, and a cost per job that
    is not the coordination cost over the gain in durable jobs."""
    table = pd.read_csv(french_report / "effects.csv", index_col=0)
    runs = pd.read_csv(french_report / "runs.csv")
    a = runs[runs["arm"] == "with_ptce"].set_index("replication")
    b = runs[runs["arm"] == "without"].set_index("replication")
    n = len(a)
    for name, cols in (("durable_employment", ["durable_employment"]),
                       ("public_cost_mobilised", ["siae_aid_cost", "training_cost"]),
                       ("net_durable_jobs", ["net_durable_jobs"]),
                       ("gross_durable_jobs_treated", ["gross_durable_jobs_treated"]),
                       ("longest_unemployment", ["career_longest_unemployment"])):
        diff = a[cols].sum(axis=1) - b[cols].sum(axis=1)
        half = stats.t.ppf(0.975, n - 1) * diff.std(ddof=1) / math.sqrt(n)
        assert table.loc[name, "mean"] == pytest.approx(diff.mean())
        assert table.loc[name, "low"] == pytest.approx(diff.mean() - half)
        assert table.loc[name, "high"] == pytest.approx(diff.mean() + half)
    cost = a["ptce_coordination_cost"].mean()
    assert table.loc["coordination_cost", "mean"] == pytest.approx(cost)
    gain = table.loc["net_durable_jobs", "mean"]
    per_job = table.loc["cost_per_net_durable_job", "mean"]
    assert (per_job == pytest.approx(cost / gain)) if gain > 0 else math.isnan(per_job)
    # the net effect on the zone is the paired difference of durable employment
    assert table.loc["net_durable_jobs", "mean"] == pytest.approx(
        table.loc["durable_employment", "mean"], abs=1e-9)


def test_report_is_self_contained(french_report):
    """Catches any address outside the file: an http(s) or protocol-relative src/href, a CSS
    import or url(), and a picture linked to its PNG instead of embedded."""
    text = (french_report / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.I)
    assert not re.search(r"@import|url\(", text, re.I)
    refs = parse(french_report / "report.html").refs
    assert len(refs) == 3
    for ref in refs:
        assert ref.startswith("data:image/png;base64,")
        assert base64.b64decode(ref.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_is_french_with_its_sections(french_report):
    """Catches an English page by default, a missing section (territory, sources, limits,
    timeline), the funding gap or events not dated, a snake_case name shown to the reader,
    a difference of rates written with '%', and thousands or '%' after an ordinary space
    (a line may break there: French uses no-break spaces)."""
    page = parse(french_report / "report.html")
    text = " ".join(page.texts)
    assert page.lang == "fr"
    for words in ("Chiffres clés", "Le pôle et son territoire", "1109 Paris",
                  "Ce que le modèle suppose", "Territoire non calibré", "II.2", "Chronologie",
                  "Limites", "Effet brut, déplacement et effet net", "Le pôle a agi sur",
                  "emploi", "coût",
                  "du mois 13 (janvier 2016) au mois 34 (octobre 2017)",
                  "Passerelles entre structures membres"):
        assert words in text, words
    # file names and the command line that reproduces the report may have "_"
    visible = re.sub(r"\S+\.(?:yaml|png|csv|md)\b", "", text.split("Reproduire ce rapport")[0])
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", visible)
    assert not re.search(r"[+\u2212]\d+(?:,\d+)?\s*%", text)
    own = " ".join(page.own)  # the scenario files' English text is quoted as it is
    assert not re.findall(r"\d \d{3}\b|\d %", own)


def test_english_report(english_report):
    """--lang en: catches French left in the page or its numbers, and English headline
    figures that differ from effects.csv."""
    page = parse(english_report / "report.html")
    text = " ".join(page.texts)
    assert page.lang == "en"
    for words in ("Key figures", "The pole and its territory", "Limits", "Timeline",
                  "Gross effect, displacement and net effect", "The pole acted on"):
        assert words in text, words
    for french in ("Chiffres clés", "Limites", "point de pourcentage", "emploi durable", "€ "):
        assert french not in text, french
    table = pd.read_csv(english_report / "effects.csv", index_col=0)
    check_headlines(page, table, "en")
    assert table.loc["durable_employment", "label"] == "Persons in durable jobs"


# ------------------------------------------------------------------------------ bad input

@pytest.mark.parametrize(("args", "named"), [
    (["report", "no_such_pole", *SMALL], "SCENARIO"),
    (["report", "baseline", *SMALL], "no `ptce` section"),
    (["report", "ptce/le_phares", "--replications", "1", "--persons", "2000"],
     "--replications"),
    (["report", "ptce/le_phares", *SMALL, "--lang", "de"], "--lang"),
    (["report", "ptce/le_phares", "--replications", "2", "--months", "24"], "--months"),
])
def test_bad_input_exits_2_and_writes_nothing(tmp_path, monkeypatch, args, named):
    """Catches a bad argument that runs anyway, exits 1 (traceback) or 0, hides which
    argument is wrong, or leaves a folder behind (the default runs/ included)."""
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert res.exit_code == 2, res.output
    assert named in res.output
    assert list(tmp_path.iterdir()) == []


def test_unusable_out_folder_exits_2_and_keeps_what_is_there(tmp_path):
    """Catches writing into a folder that is not a report's (deleting its files) and a
    crash when the out folder's parent is a file."""
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("keep me")
    res = runner.invoke(app, ["report", "ptce/le_phares", *SMALL, "--out", str(other)])
    assert res.exit_code == 2 and "--out" in res.output
    assert [p.name for p in other.iterdir()] == ["keep.txt"]
    (tmp_path / "file").write_text("x")
    res = runner.invoke(app, ["report", "ptce/le_phares", *SMALL,
                              "--out", str(tmp_path / "file" / "rep")])
    assert res.exit_code == 2 and "--out" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "notes"]


def test_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    """A write that fails half-way (here the Markdown, after the HTML): catches files
    written straight into the out folder, and a temporary folder left behind."""
    import experiments.results.report as report

    def broken(_):
        raise OSError("disk full")

    monkeypatch.setattr(report, "render_markdown", broken)
    res = runner.invoke(app, ["report", "ptce/le_phares", "--replications", "2",
                              "--persons", "1000", "--months", "36",
                              "--out", str(tmp_path / "sub" / "rep")])
    assert res.exit_code == 2, res.output
    assert "disk full" in res.output
    assert list(tmp_path.iterdir()) == []
