"""Indicators (DESIGN 4.5): monthly series, spells, SIAE exits, transitions, careers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .params import SIAE_TYPES
from .ptce.coordinator import PTCE_SERIES_DOCS
from .ptce.pmsmp import PMSMP_OUTCOMES
from .result import OUTCOME_DOCS, RunResult
from .states import IS_ACTIVE, IS_EMPLOYED, TRANSITION_CLASS, ExitOutcome, S, State

if TYPE_CHECKING:
    from .territory import TerritoryModel

#: Monthly series (column -> meaning). Counts are persons unless stated.
SERIES_DOCS: dict[str, str] = {
    **{f"n_{s.name.lower()}": f"persons in state {s.name}" for s in State},
    "labour_force": "unemployed + employed (SIAE and self-employed included)",
    "unemployment_rate": "unemployed over labour force",
    "employment_rate": "employed over persons of working age",
    "inactivity_rate": "inactive over persons of working age",
    "long_term_unemployed_share": "unemployed with a spell of 12+ months over unemployed",
    "job_finding_rate": "jobseekers hired this month over jobseekers at matching",
    "jobseeker_hires": "hires of registered jobseekers this month",
    "jobseeker_hires_durable": "of which on a durable contract",
    "positions": "job positions in ordinary firms",
    "vacancies": "open positions left this month, after the month's hires",
    "vacancy_rate": "vacancies over (filled positions + vacancies)",
    "hires_temp": "hires on short contracts (renewals included)",
    "hires_durable": "hires on durable contracts (conversions excluded)",
    "separations_to_unemployment": "jobs ending into unemployment this month",
    "hires_cdi": "hires on a CDI this month",
    "hires_cdd_long": "hires on a CDD of 6 months or more",
    "hires_cdd_short": "hires on a CDD under 6 months (renewals included)",
    "hires_interim": "interim assignments begun (renewals included)",
    "rehires": "hires by the person's last employer (short-contract renewals and recalls)",
    "rehires_cdd": "of which on a CDD",
    "job_to_job": "hires of persons employed by another firm (no unemployment month)",
    "fte_employment": "firm employees in full-time equivalents (sum of hours)",
    "part_time_share": "firm employees on part time (hours < 1) over firm employees",
    **{f"iae_{t.lower()}": f"persons on a CDDI in a {t}" for t in SIAE_TYPES},
    "iae_entries": "entries into SIAE this month",
    "iae_diagnostics": "IAE diagnostics made by the prescribers this month",
    "iae_unfilled_posts": "SIAE posts sought this month but left unfilled (no eligible candidate)",
    "iae_prolongations": "Pass IAE prolongations granted this month",
    "iae_moves": "SIAE leavers moving on to a SIAE of another type this month",
    **{f"iae_exits_{o.name.lower()}": f"SIAE exits classified {o.name}" for o in ExitOutcome},
    "training_entries": "entries into training this month",
    "training_completions": "qualifying completions this month",
    "training_cost": "cost of this month's training entries, EUR",
    "siae_aid_cost": "State aid to SIAE this month, EUR",
    **PTCE_SERIES_DOCS,
}

#: Situations of IAE entrants 36 months after entry (state code -> class).
ENTRANT_SITUATIONS: tuple[str, ...] = ("ordinary_job", "still_iae", "unemployed", "inactive")
_ENTRANT_CLASS = np.array([2, 3, 2, 1, 0, 0, 0], dtype=np.int64)  # by state code


class _Growable:
    """Columns appended chunk by chunk, concatenated once at the end."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.chunks: dict[str, list[np.ndarray]] = {n: [] for n in names}

    def append(self, **cols: np.ndarray) -> None:
        for n in self.names:
            self.chunks[n].append(np.asarray(cols[n]))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({n: (np.concatenate(c) if c else np.empty(0))
                             for n, c in self.chunks.items()})


class Recorder:
    """Collects what a run reports; owned by the model, fed once a month."""

    def __init__(self, model: TerritoryModel) -> None:
        self.model = model
        months = model.params.simulation.months
        self.series = {name: np.zeros(months) for name in SERIES_DOCS}
        self.keep_spells = model.params.simulation.record_spells
        self.spells = _Growable(("person_id", "state", "start", "end", "organisation"))
        # SIAE exit log, grown by doubling; state_6m filled six months after each exit
        self._exits = {k: np.zeros(256, dtype=np.int64) for k in
                       ("person_id", "slot", "siae_type", "structure", "outcome", "route_months",
                        "rsa", "month")}
        self._state_6m = np.full(256, -1, dtype=np.int64)
        self.n_exits = 0
        self.entries = _Growable(("person_id", "slot", "siae_type", "rsa", "month"))
        self._entry_checks: list[tuple[int, np.ndarray]] = []  # (month due, row offsets)
        self._entries_36m: list[np.ndarray] = []  # (person_id, situation) pairs, stacked
        self.transitions = np.zeros((4, 4), dtype=np.int64)
        self._snapshot: tuple[np.ndarray, np.ndarray] | None = None
        self._aid_per_type = np.array([
            spec.aid_per_fte_year if (spec := model.params.siae.get(t)) else 0.0  # type: ignore[call-overload]
            for t in SIAE_TYPES])

    # ---------------------------------------------------------------- spells
    def close_spells(self, slots: np.ndarray, end: int | None = None) -> None:
        """Close the current spell of ``slots`` at month ``end`` (default: now)."""
        m = self.model
        if not self.keep_spells or slots.size == 0:
            return
        p = m.persons
        end = m.month if end is None else end
        if end <= m.burn_in:
            return
        slots = slots[p.spell_start[slots] < end]  # an entrant's same-month change: no spell
        self.spells.append(
            person_id=p.person_id[slots],
            state=p.prev_state[slots],
            start=np.maximum(p.spell_start[slots] - m.burn_in, 0),
            end=np.full(slots.size, end - m.burn_in),
            organisation=p.prev_org[slots],
        )

    def spells_of(self, person_id: int) -> list[tuple[str, int, int | None, int]]:
        frame = self.spells.frame()
        rows = frame[frame["person_id"] == person_id]
        out: list[tuple[str, int, int | None, int]] = [
            (State(int(r.state)).name, int(r.start), int(r.end), int(r.organisation))
            for r in rows.itertuples()]
        p = self.model.persons
        slot = np.flatnonzero(p.person_id == person_id)
        if slot.size:
            s = int(slot[0])
            out.append((State(int(p.state[s])).name,
                        max(int(p.spell_start[s]) - self.model.burn_in, 0), None,
                        int(p.organisation()[s])))
        return out

    # ---------------------------------------------------------------- SIAE exits
    def log_siae_exits(self, slots: np.ndarray, outcome: np.ndarray) -> None:
        """Record exits of ``slots`` from their SIAE with their classification."""
        m, p = self.model, self.model.persons
        k = slots.size
        if k == 0:
            return
        need = self.n_exits + k
        if need > self._state_6m.size:
            size = max(need, 2 * self._state_6m.size)
            for name, arr in self._exits.items():
                self._exits[name] = np.resize(arr, size)
            grown = np.full(size, -1, dtype=np.int64)
            grown[: self.n_exits] = self._state_6m[: self.n_exits]
            self._state_6m = grown
        rows = np.arange(self.n_exits, need)
        e = self._exits
        e["person_id"][rows] = p.person_id[slots]
        e["siae_type"][rows] = m.structures.type[p.siae[slots]]
        e["structure"][rows] = p.siae[slots]
        e["slot"][rows] = slots
        e["outcome"][rows] = outcome
        # months_in_state still counts the previous state for a same-month entry and exit
        e["route_months"][rows] = np.where(p.prev_state[slots] == S.SIAE,
                                           p.months_in_state[slots] + 1, 1)
        e["rsa"][rows] = p.rsa[slots]
        e["month"][rows] = m.month
        self._state_6m[rows] = -1
        self.n_exits = need

    def log_iae_entries(self, slots: np.ndarray) -> None:
        """Record SIAE entrants, to observe their situation 36 months after entry."""
        m, p = self.model, self.model.persons
        if slots.size == 0:
            return
        self.entries.append(person_id=p.person_id[slots], slot=slots,
                            siae_type=m.structures.type[p.siae[slots]], rsa=p.rsa[slots],
                            month=np.full(slots.size, m.month))
        self._entry_checks.append((m.month + 36, np.stack([p.person_id[slots], slots])))

    def _observe_entrants(self) -> None:
        p, month = self.model.persons, self.model.month
        while self._entry_checks and self._entry_checks[0][0] == month:
            _, rows = self._entry_checks.pop(0)
            person_id, slots = rows
            present = p.person_id[slots] == person_id
            situation = np.where(present, _ENTRANT_CLASS[p.state[slots]], -1)
            self._entries_36m.append(np.stack([person_id, situation]))

    def exits_this_month(self) -> tuple[np.ndarray, np.ndarray]:
        """(slot, structure) of the SIAE exits logged this month."""
        rows = slice(0, self.n_exits)
        now = np.flatnonzero(self._exits["month"][rows] == self.model.month)
        return self._exits["slot"][now], self._exits["structure"][now]

    def _follow_up(self) -> None:
        p, month = self.model.persons, self.model.month
        rows = np.flatnonzero(self._exits["month"][: self.n_exits] == month - 6)
        slots = self._exits["slot"][rows]
        present = p.person_id[slots] == self._exits["person_id"][rows]
        self._state_6m[rows[present]] = p.state[slots[present]]

    # ---------------------------------------------------------------- monthly record
    def record_month(self) -> None:
        m, p = self.model, self.model.persons
        org = p.organisation()
        changed = np.flatnonzero((p.state != p.prev_state) | (org != p.prev_org))
        self.close_spells(changed)
        p.spell_start[changed] = m.month
        p.prev_state[:] = p.state
        p.prev_org[:] = org
        self._follow_up()
        self._observe_entrants()
        if not m.reporting:
            return
        t = m.reported_month - 1
        counts = np.bincount(p.state, minlength=len(State))
        s = self.series
        for st in State:
            s[f"n_{st.name.lower()}"][t] = counts[st]
        lf = counts[IS_ACTIVE].sum()
        unemp = counts[State.UNEMPLOYED]
        s["labour_force"][t] = lf
        s["unemployment_rate"][t] = unemp / lf if lf else 0.0
        s["employment_rate"][t] = counts[IS_EMPLOYED].sum() / p.n
        s["inactivity_rate"][t] = counts[State.INACTIVE] / p.n
        long_term = np.count_nonzero((p.state == S.UNEMPLOYED) & (p.unemployment_spell >= 12))
        s["long_term_unemployed_share"][t] = long_term / unemp if unemp else 0.0
        mo = m.monthly
        js = mo["jobseekers"]
        s["job_finding_rate"][t] = mo["jobseeker_hires"] / js if js else 0.0
        for key in ("jobseeker_hires", "jobseeker_hires_durable", "hires_temp",
                    "hires_durable", "separations_to_unemployment", "iae_entries",
                    "iae_diagnostics", "iae_unfilled_posts", "iae_prolongations", "iae_moves",
                    "training_entries", "training_completions", "training_cost",
                    "hires_cdi", "hires_cdd_long", "hires_cdd_short", "hires_interim",
                    "rehires", "rehires_cdd", "job_to_job", *PTCE_SERIES_DOCS):
            s[key][t] = mo.get(key, 0.0)
        in_firm = p.employer >= 0
        hours = p.hours[in_firm]
        s["fte_employment"][t] = float(hours.sum())
        s["part_time_share"][t] = float(np.count_nonzero(hours < 1.0) / hours.size
                                        if hours.size else 0.0)
        firms = m.firms
        firms.count_headcount(p)
        vac = firms.vacancies.sum()
        s["positions"][t] = firms.positions.sum()
        s["vacancies"][t] = vac
        filled = firms.headcount.sum()
        s["vacancy_rate"][t] = vac / (filled + vac) if filled + vac else 0.0
        in_siae = p.siae[p.state == S.SIAE]
        by_type = np.bincount(m.structures.type[in_siae], minlength=len(SIAE_TYPES))
        for code, name in enumerate(SIAE_TYPES):
            s[f"iae_{name.lower()}"][t] = by_type[code]
        s["siae_aid_cost"][t] = float(by_type @ self._aid_per_type) / 12.0
        rows = slice(0, self.n_exits)
        this_month = self._exits["month"][rows] == m.month
        outcomes = np.bincount(self._exits["outcome"][rows][this_month], minlength=4)
        for o in ExitOutcome:
            s[f"iae_exits_{o.name.lower()}"][t] = outcomes[o]
        if m.reported_month % 3 == 0:
            self._quarterly_transitions()

    def _quarterly_transitions(self) -> None:
        p = self.model.persons
        cls = TRANSITION_CLASS[p.state]
        if self._snapshot is not None:
            prev_cls, prev_id = self._snapshot
            same = prev_id == p.person_id
            self.transitions += np.bincount(4 * prev_cls[same] + cls[same],
                                            minlength=16).reshape(4, 4)
        self._snapshot = (cls.copy(), p.person_id.copy())

    # ---------------------------------------------------------------- end of run
    def result(self) -> RunResult:
        m, p = self.model, self.model.persons
        months = m.params.simulation.months
        series = pd.DataFrame(self.series, index=pd.RangeIndex(1, months + 1, name="month"))
        if self.keep_spells:
            open_slots = np.arange(p.n)
            spells = self.spells.frame()
            ongoing = pd.DataFrame({
                "person_id": p.person_id[open_slots],
                "state": p.state[open_slots],
                "start": np.maximum(p.spell_start[open_slots] - m.burn_in, 0),
                "end": np.full(p.n, months),
                "organisation": p.organisation()[open_slots],
            })
            spells["ongoing"] = False
            ongoing["ongoing"] = True
            spells = pd.concat([spells, ongoing], ignore_index=True)
            spells = spells.astype({"person_id": "int64", "state": "int8", "start": "int32",
                                    "end": "int32", "organisation": "int32"})
            spells["state"] = pd.Categorical.from_codes(
                spells["state"].to_numpy(), categories=[s.name for s in State])
        else:
            spells = pd.DataFrame(columns=["person_id", "state", "start", "end",
                                           "organisation", "ongoing"])
        observed = p.obs_months > 0
        obs = p.obs_months[observed].astype(float)
        careers = pd.DataFrame({
            "person_id": p.person_id[observed],
            "months_observed": p.obs_months[observed],
            "share_months_employed": p.months_employed[observed] / obs,
            "breaks": p.breaks[observed],
            "longest_unemployment": p.longest_unemployment[observed],
            "months_durable": p.months_durable[observed],
            "qualification_gained": (p.qualification[observed]
                                     - p.qualification_initial[observed]).astype(np.int8),
            "rsa": p.rsa[observed],
        })
        rows = slice(0, self.n_exits)
        e = self._exits
        reported = e["month"][rows] >= m.burn_in
        state_6m = self._state_6m[rows][reported]
        iae_exits = pd.DataFrame({
            "person_id": e["person_id"][rows][reported],
            "siae_type": pd.Categorical.from_codes(e["siae_type"][rows][reported],
                                                   categories=list(SIAE_TYPES)),
            "outcome": pd.Categorical.from_codes(e["outcome"][rows][reported],
                                                 categories=[o.name for o in ExitOutcome]),
            "route_months": e["route_months"][rows][reported],
            "rsa": e["rsa"][rows][reported].astype(bool),
            "month": e["month"][rows][reported] - m.burn_in + 1,
            "state_6m": pd.Categorical.from_codes(
                np.where(state_6m >= 0, state_6m, -1), categories=[s.name for s in State]),
        })
        outcomes = self._outcomes(series, careers, iae_exits, state_6m)
        meta: dict[str, object] = {"persons": p.n, "firms": m.firms.n,
                                   "siae": m.structures.n, "programmes": m.programmes.n}
        if m.coordinator is not None:
            meta["trust_network"] = m.coordinator.weighted_network()
            meta["ptce_treated"] = m.coordinator.treated_person_ids()
            meta["ptce_treated_month"] = m.coordinator.treated_first_months()
        return RunResult(series=series, outcomes=outcomes, spells=spells, careers=careers,
                         transitions=self.transitions.copy(), iae_exits=iae_exits,
                         seed=None, meta=meta)

    def _validation_outcomes(self, series: pd.DataFrame, iae_exits: pd.DataFrame,
                             state_6m: np.ndarray) -> dict[str, float]:
        m = self.model
        out: dict[str, float] = {}
        seen = state_6m >= 0
        employed_6m = IS_EMPLOYED[np.maximum(state_6m, 0)] & seen
        types = iae_exits["siae_type"].cat.codes.to_numpy()
        rsa = iae_exits["rsa"].to_numpy()
        groups = {t.lower(): types == code for code, t in enumerate(SIAE_TYPES)}
        groups |= {"rsa": rsa, "non_rsa": ~rsa}
        for name, mask in groups.items():
            k = (mask & seen).sum()
            out[f"iae_employed_6m_share_{name}"] = float(employed_6m[mask].sum() / k) if k else 0.0
        out["iae_exits_durable"] = float((iae_exits["outcome"] == "DURABLE").sum())
        situations = (np.concatenate(self._entries_36m, axis=1)[1] if self._entries_36m
                      else np.empty(0, dtype=np.int64))
        situations = situations[situations >= 0]
        for code, name in enumerate(ENTRANT_SITUATIONS):
            out[f"iae_entrants_36m_{name}"] = (
                float((situations == code).mean()) if situations.size else 0.0)
        last = series.tail(12)
        out["durable_employment"] = float(
            (last["n_employed_durable"] + last["n_self_employed"]).mean())
        for key in ("ptce_bridges_siae", "ptce_bridges_firm", "ptce_immersions",
                    "ptce_immersion_hires", "ptce_shared_jobs", "ptce_skills_revealed",
                    "ptce_skills_matched", "ptce_training_placements",
                    "ptce_activities_incubated", "ptce_jobs_created",
                    "ptce_follow_up_replacements", "ptce_coordination_cost",
                    "ptce_cases_used", "ptce_capacity"):
            out[key] = float(series[key].sum())
        out["ptce_training_seats_added"] = float(series["ptce_training_seats_added"].mean())
        out["ptce_trust"] = float(series["ptce_trust"].iloc[-1])
        out["ptce_network_density"] = float(series["ptce_network_density"].iloc[-1])
        if m.coordinator is not None:
            out.update(m.coordinator.pmsmp.summary())
        else:
            out.update(dict.fromkeys(PMSMP_OUTCOMES, 0.0))
        return out

    def _outcomes(self, series: pd.DataFrame, careers: pd.DataFrame,
                  iae_exits: pd.DataFrame, state_6m: np.ndarray) -> dict[str, float]:
        last = series.tail(12)
        n_exits = len(iae_exits)
        share = iae_exits["outcome"].value_counts(normalize=True) if n_exits else None
        hires = series["hires_temp"].sum() + series["hires_durable"].sum()
        js_hires = series["jobseeker_hires"].sum()
        seen = state_6m[state_6m >= 0]
        out = {
            "unemployment_rate": last["unemployment_rate"].mean(),
            "employment_rate": last["employment_rate"].mean(),
            "inactivity_rate": last["inactivity_rate"].mean(),
            "long_term_unemployed_share": last["long_term_unemployed_share"].mean(),
            "job_finding_rate": series["job_finding_rate"].mean(),
            "durable_share_of_jobseeker_hires": (
                series["jobseeker_hires_durable"].sum() / js_hires if js_hires else 0.0),
            "vacancy_rate": series["vacancy_rate"].mean(),
            "short_contract_share_of_hires": (
                series["hires_temp"].sum() / hires if hires else 0.0),
            "hires_per_month": hires / len(series),
            "iae_stock": series[[f"iae_{t.lower()}" for t in SIAE_TYPES]].sum(axis=1).mean(),
            "iae_entries": series["iae_entries"].sum(),
            "iae_exits": float(n_exits),
            "iae_route_length_mean": (
                float(iae_exits["route_months"].mean()) if n_exits else 0.0),
            "iae_employed_6m_share": (
                float(IS_EMPLOYED[seen].mean()) if seen.size else 0.0),
            "training_entries": series["training_entries"].sum(),
            "training_completions": series["training_completions"].sum(),
            "career_share_months_employed": careers["share_months_employed"].mean(),
            "career_breaks": careers["breaks"].mean(),
            "career_longest_unemployment": careers["longest_unemployment"].mean(),
            "career_months_durable": careers["months_durable"].mean(),
            "career_qualification_gained": careers["qualification_gained"].mean(),
            "siae_aid_cost": series["siae_aid_cost"].sum(),
            "training_cost": series["training_cost"].sum(),
        }
        out.update(self._validation_outcomes(series, iae_exits, state_6m))
        for o in ExitOutcome:
            value = share.get(o.name, 0.0) if share is not None else 0.0
            out[f"iae_exit_share_{o.name.lower()}"] = float(value)
        missing = set(OUTCOME_DOCS) - set(out)
        assert not missing, f"outcomes not computed: {missing}"
        return {k: float(v) for k, v in out.items()}
