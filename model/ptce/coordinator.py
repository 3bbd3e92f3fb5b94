"""The PTCE coordinator (cellule d'animation): members, capacity, funding, trust network.

The coordinator is a Mesa agent. It draws the pole's members once, keeps a trust network
between them (networkx), and each month gives its levers their share of the coordination
capacity. Levers act through hooks after the model's phases (``TerritoryModel.add_hook``) and
only while the horizon is reported: the burn-in is the territory as it was before the pole.
Every draw comes from the coordinator's own streams (``ptce.*``), so a PTCE whose levers are
all off leaves the territory's results unchanged, bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import mesa
import networkx as nx
import numpy as np

from ..params import LEVERS, PTCEParams
from .levers import LEVER_CLASSES, Lever
from .pmsmp import PMSMPTracker

if TYPE_CHECKING:
    from ..territory import TerritoryModel

HUB = "coordinator"

#: Monthly PTCE series written by the coordinator and its levers (name -> meaning).
PTCE_SERIES_DOCS: dict[str, str] = {
    "ptce_capacity": "coordination cases available this month (FTE x cases per FTE x funding)",
    "ptce_cases_used": "coordination cases used by the levers this month",
    "ptce_coordination_cost": "coordination cost this month, EUR",
    "ptce_trust": "members' trust in the pole: mean weight of their ties to the coordinator",
    "ptce_network_density": "density of the ties between members (hub excluded)",
    "ptce_bridges_siae": "bridges from a SIAE to another member SIAE",
    "ptce_bridges_firm": "hires by a member firm of a SIAE employee the pole recommended",
    "ptce_immersions": "PMSMP immersions started in member firms",
    "ptce_immersion_hires": "hires by the host at the end of an immersion",
    "ptce_shared_jobs": "short contracts turned into durable shared jobs",
    "ptce_skills_revealed": "persons whose hidden skills the skills exchange revealed",
    "ptce_skills_matched": "hires of persons whose skills were revealed",
    "ptce_training_seats_added": "co-training seats funded this month",
    "ptce_training_placements": "hires of completers by the member firm they were recommended to",
    "ptce_activities_incubated": "new activities created by incubation",
    "ptce_jobs_created": "positions of the new activities",
    "ptce_follow_up_replacements": "hires of followed SIAE leavers by the member firm they were "
                                   "recommended to",
    "ptce_referrals": "persons the pole recommended to a firm (the firm decides at matching)",
    "ptce_skills_referral_hires": "hires of revealed persons by the member firm they were "
                                  "recommended to",
    "ptce_incubation_hires": "hires by a new activity among the candidates the pole "
                             "recommended",
}


class PTCECoordinator(mesa.Agent):
    """The animation cell of the pole.

    Attributes:
        budget: cases each lever may use this month, by lever name.
        used: cases used this month, by lever name.
        network: trust network; nodes ``"coordinator"``, ``("siae", i)``, ``("firm", j)``,
            ``("training", k)``; :meth:`weighted_network` gives it with tie weights in 0..1.
    """

    model: TerritoryModel

    def __init__(self, model: TerritoryModel) -> None:
        super().__init__(model)
        assert model.params.ptce is not None
        self.init_rng = model.stream("ptce.init")
        self._draw_members(model.params.ptce)
        self.budget: dict[str, float] = dict.fromkeys(LEVERS, 0.0)
        self.used: dict[str, float] = dict.fromkeys(LEVERS, 0.0)
        self.pmsmp = PMSMPTracker(model)
        #: ids of the persons the pole acted on (a case spent on them) and the month of the
        #: horizon it did, one (2, n) array per action
        self._treated: list[np.ndarray] = []
        self.levers: dict[str, Lever] = {
            name: cls(self) for name, cls in LEVER_CLASSES.items()
        }
        model.add_hook("events", self.start_month)
        for lever in self.levers.values():
            for phase, fn in lever.hooks():
                model.add_hook(phase, self._guarded(lever, fn))
        model.add_hook("bookkeeping", self.end_month)

    # ---------------------------------------------------------------- members and trust
    @property
    def params(self) -> PTCEParams:
        ptce = self.model.params.ptce
        assert ptce is not None, "the PTCE section cannot be removed during a run"
        return ptce

    def _draw_members(self, ptce: PTCEParams) -> None:
        m, rng = self.model, self.init_rng
        names = m.sector_names
        in_scope = np.ones(m.firms.n, dtype=bool)
        if ptce.sectors:
            in_scope = np.isin(m.firms.sector, [names.index(s) for s in ptce.sectors])
        m.firms.member[:] = in_scope & (rng.random(m.firms.n) < ptce.member_share_firms)
        m.structures.member[:] = rng.random(m.structures.n) < ptce.member_share_siae
        self.training_member = rng.random(max(m.programmes.n_bodies, 1)) < \
            ptce.member_share_training
        self.network = nx.Graph()
        self.network.add_node(HUB)
        self._weights = np.zeros(0)
        self._hub_tie = np.zeros(0, dtype=bool)
        self._n_ties = 0
        self._joint: list[tuple[str, str, np.ndarray]] = []
        self._tie_index: dict[tuple[object, object], int] = {}
        members = ([("siae", int(i)) for i in np.flatnonzero(m.structures.member)]
                   + [("firm", int(i)) for i in np.flatnonzero(m.firms.member)]
                   + [("training", int(i)) for i in np.flatnonzero(self.training_member)])
        for node in members:
            self._tie(HUB, node, ptce.trust.initial)
        self._trust = self.trust()

    def _tie(self, u: object, v: object, weight: float = 0.0) -> int:
        """Index of the tie u-v in the weight array, created with ``weight`` if new."""
        i = self._tie_index.get((u, v))
        if i is not None:
            return i
        i = self._n_ties
        self._tie_index[(u, v)] = self._tie_index[(v, u)] = i
        self._n_ties += 1
        if i >= self._weights.size:
            size = max(16, 2 * self._weights.size)
            self._weights = np.resize(self._weights, size)
            self._hub_tie = np.resize(self._hub_tie, size)
        self._weights[i] = weight
        self._hub_tie[i] = HUB in (u, v)
        self.network.add_edge(u, v, id=i)
        return i

    def weighted_network(self) -> nx.Graph:
        """A copy of the trust network with each tie's current ``weight``."""
        g = self.network.copy()
        for _, _, data in g.edges(data=True):
            data["weight"] = float(self._weights[data.pop("id")])
        return g

    @property
    def member_programmes(self) -> np.ndarray:
        """Bool mask over programmes run by member training bodies."""
        prog = self.model.programmes
        return self.training_member[prog.body] if prog.n else np.zeros(0, dtype=bool)

    def add_member_firm(self, firm: int) -> None:
        self._tie(HUB, ("firm", firm), self.params.trust.initial)

    def trust(self) -> float:
        """Members' trust in the pole: mean weight of their ties to the coordinator (0..1).
        Joint actions strengthen the ties of the organisations involved."""
        hub = self._hub_tie[: self._n_ties]
        return float(self._weights[: self._n_ties][hub].mean()) if hub.any() else 0.0

    def success_probability(self, base: float) -> float:
        """A lever's success probability at this month's trust (``base`` at trust 0.5)."""
        return float(min(1.0, base * (0.5 + self._trust)))

    def joint_actions(self, a_kind: str, a: np.ndarray, b_kind: str, b: np.ndarray) -> None:
        """Record that organisations ``a[i]`` and ``b[i]`` acted together this month. At the
        end of the month, each pair's tie (and each one's tie to the coordinator) is
        strengthened once, whatever the number of joint actions."""
        if a.size:
            self._joint.append((a_kind, b_kind, np.stack([a, b], axis=1)))

    def _strengthen_ties(self) -> None:
        gain = self.params.trust.gain
        touched: dict[tuple[object, object], None] = {}  # ordered: ties get stable ids
        for a_kind, b_kind, pairs in self._joint:
            codes = np.unique(pairs[:, 0].astype(np.int64) << 32 | pairs[:, 1])
            for x, y in zip((codes >> 32).tolist(), (codes & 0xFFFFFFFF).tolist(), strict=True):
                touched[((a_kind, x), (b_kind, y))] = None
                touched[(HUB, (a_kind, x))] = None
                touched[(HUB, (b_kind, y))] = None
        self._joint = []
        ties = [self._tie(u, v) for u, v in touched if u != v]
        w = self._weights
        w[ties] += gain * (1.0 - w[ties])

    def density(self) -> float:
        """Density of the ties between members (the coordinator's ties excluded)."""
        k = self.network.number_of_nodes() - 1
        if k < 2:
            return 0.0
        between = self._n_ties - self.network.degree(HUB)
        return between / (k * (k - 1) / 2)

    # ---------------------------------------------------------------- the month
    def capacity(self) -> float:
        """Coordination cases available this month."""
        p = self.params
        return p.coordinator_fte * self.model.params.scale() * p.cases_per_fte * p.funding

    def start_month(self) -> None:
        """Share the month's capacity between the enabled levers (after the events).

        A lever's unspent cases carry over to the next month, up to the cost of one of its
        actions, so that a small pole still acts now and then; nothing carries over a month
        without funding."""
        left = {n: self.budget[n] - self.used[n] for n in LEVERS}
        self.budget = dict.fromkeys(LEVERS, 0.0)
        self.used = dict.fromkeys(LEVERS, 0.0)
        if not self.model.reporting:
            return
        p = self.params
        enabled = {n: getattr(p, n).intensity for n in LEVERS if getattr(p, n).enabled}
        total = max(1.0, sum(enabled.values()))
        cap = self.capacity()
        for name, lever in self.levers.items():
            if name not in enabled or cap == 0:
                lever.idle()
        for name, intensity in enabled.items():
            carry = min(left[name], self.levers[name].action_cost) if cap > 0 else 0.0
            self.budget[name] = cap * intensity / total + max(carry, 0.0)
        self.model.monthly["ptce_capacity"] = cap
        self.model.referrals.relief = p.trust.vouching * self._trust
        self.model.monthly["ptce_coordination_cost"] = p.budget_per_year / 12.0 * p.funding

    def spend(self, lever: str, actions: int, cost: float) -> int:
        """Reserve cases for up to ``actions`` actions of ``cost`` cases; returns how many the
        lever's remaining budget allows."""
        if cost <= 0:
            return actions
        left = self.budget[lever] - self.used[lever]
        allowed = int(min(actions, np.floor(left / cost + 1e-9)))
        allowed = max(allowed, 0)
        self.used[lever] += allowed * cost
        self.model.monthly["ptce_cases_used"] = self.model.monthly.get(
            "ptce_cases_used", 0.0) + allowed * cost
        return allowed

    def treat(self, slots: np.ndarray) -> None:
        """Record that the pole acted on the persons ``slots`` (a case was spent on them,
        whatever came of it) this month: the treated of the gross effect (``ptce effect``)."""
        if slots.size:
            m = self.model
            self._treated.append(np.stack([
                m.persons.person_id[slots],
                np.full(slots.size, m.month - m.burn_in, dtype=np.int64)]))

    def _first_treatments(self) -> np.ndarray:
        """(2, n) array: distinct treated person ids, sorted, and the month of the horizon
        the pole first acted on each."""
        if not self._treated:
            return np.empty((2, 0), dtype=np.int64)
        rows = np.concatenate(self._treated, axis=1)
        order = np.lexsort((rows[1], rows[0]))
        rows = rows[:, order]
        first = np.concatenate([[True], rows[0, 1:] != rows[0, :-1]])
        self._treated = [rows[:, first]]
        return self._treated[0].copy()

    def treated_person_ids(self) -> np.ndarray:
        """The distinct ids of the persons the pole has acted on so far, sorted."""
        return self._first_treatments()[0]

    def treated_first_months(self) -> np.ndarray:
        """The month of the horizon (0 = its first) in which the pole first acted on each
        person of :meth:`treated_person_ids`, in the same order."""
        return self._first_treatments()[1]

    def count(self, name: str, value: float) -> None:
        self.model.monthly[name] = self.model.monthly.get(name, 0.0) + value

    def _guarded(self, lever: Lever, fn: Callable[[], None]) -> Callable[[], None]:
        """``fn`` run only while the horizon is reported and the lever is switched on."""
        def run() -> None:
            if self.model.reporting and getattr(self.params, lever.name).enabled:
                fn()
        return run

    def end_month(self) -> None:
        """Ties decay without joint actions; the month's trust figures are recorded."""
        if not self.model.reporting:
            return
        self._strengthen_ties()
        self._weights[: self._n_ties] *= 1.0 - self.params.trust.decay
        self._trust = self.trust()
        self.model.monthly["ptce_trust"] = self._trust
        self.model.monthly["ptce_network_density"] = self.density()
        self.pmsmp.observe()

    def __repr__(self) -> str:
        return (f"PTCECoordinator(name={self.params.name!r}, "
                f"members={self.network.degree(HUB)}, trust={self.trust():.2f})")
