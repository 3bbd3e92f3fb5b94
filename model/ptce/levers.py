"""The PTCE levers (DESIGN 4.4). One class per lever; each says after which phases it acts.

Every action uses coordination cases (``PTCECoordinator.spend``) and succeeds with a
probability that grows with trust. No lever hires anyone: a lever changes what an
employer knows (a recommendation, ``model/referrals.py``; a signal, ``model.signals``;
revealed skills) or what a structure can offer, and the firms decide at the matching.
Selections are vectorised; loops run over sectors or organisations only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..population import NO_ORG
from ..states import S
from .pmsmp import POOL_FACTOR

if TYPE_CHECKING:
    from ..territory import TerritoryModel
    from .coordinator import PTCECoordinator


def _pick(model: TerritoryModel, purpose: str, candidates: np.ndarray, k: int) -> np.ndarray:
    """``k`` candidates drawn at random without replacement: those with the smallest
    person draws of ``purpose`` this month (so a person's chance does not depend on who
    else is a candidate)."""
    if k >= candidates.size:
        return candidates
    if k <= 0:
        return candidates[:0]
    keys = model.draw(purpose, candidates)
    return candidates[np.argpartition(keys, k - 1)[:k]]


def _positions(slots: np.ndarray, subset: np.ndarray) -> np.ndarray:
    """Positions in ``slots`` (distinct) of each element of ``subset``, in subset order."""
    order = np.argsort(slots, kind="stable")
    return order[np.searchsorted(slots[order], subset)]


class Lever:
    """Base class: a lever of the coordinator, with its own random stream."""

    name: ClassVar[str] = ""

    def __init__(self, coordinator: PTCECoordinator) -> None:
        self.coordinator = coordinator
        self.model: TerritoryModel = coordinator.model
        #: this lever's own stream for the whole run (the levers act only in the PTCE
        #: scenario, so they need no month-by-month alignment with a counterfactual)
        self.rng = self.model.stream(f"ptce.{self.name}")

    @property
    def p(self) -> Any:
        return getattr(self.coordinator.params, self.name)

    def hooks(self) -> list[tuple[str, Callable[[], None]]]:
        raise NotImplementedError

    def idle(self) -> None:
        """Called at the start of a month when the lever is off or unfunded."""

    @property
    def action_cost(self) -> float:
        """Cases one action of this lever uses."""
        return float(self.p.cost_per_action)

    def best_sector(self, slots: np.ndarray) -> np.ndarray:
        """Each person's best visible-skill sector."""
        return np.argmax(self.model.persons.skill[slots], axis=1)

    def refer_to_member_firms(self, slots: np.ndarray, sectors: np.ndarray, counter: str
                              ) -> tuple[np.ndarray, np.ndarray]:
        """Recommend ``slots`` to member firms of their ``sectors`` with an open vacancy (one
        person per open seat, while seats last; ``model/referrals.py``): the firm decides at
        the next matching, and its hires are counted in ``counter``. Returns the slots
        recommended and the firms they were recommended to."""
        firms = self.model.firms
        open_member = firms.member & (firms.vacancies > 0)
        none = np.empty(0, dtype=np.int64)
        if slots.size == 0 or not open_member.any():
            return none, none
        seats = self.rng.permutation(np.repeat(np.flatnonzero(open_member),
                                               firms.vacancies[open_member]))
        ok, position = _seats_in_sector(seats, firms.sector[seats], sectors, firms.n_sectors)
        referred, to = slots[ok], seats[position[ok]]
        self.refer(referred, to, counter)
        return referred, to

    def refer(self, slots: np.ndarray, firms: np.ndarray, counter: str) -> None:
        """Recommend ``slots`` to ``firms``; the firms' hires of them count in ``counter``."""
        self.model.referrals.write(slots, firms, counter)
        self.coordinator.count("ptce_referrals", slots.size)


def _seats_in_sector(seats: np.ndarray, seat_sector: np.ndarray, sectors: np.ndarray,
                     n_sectors: int) -> tuple[np.ndarray, np.ndarray]:
    """One of ``seats`` (firm indices, in the order they are offered) of each person's
    ``sectors``, while they last: (has a seat, the seat's position in ``seats``; -1 where
    none), in the persons' order."""
    order = np.argsort(seat_sector, kind="stable")
    first = np.searchsorted(seat_sector[order], np.arange(n_sectors))
    count = np.diff(np.append(first, seats.size))
    porder = np.argsort(sectors, kind="stable")
    ranked = sectors[porder]
    rank = np.empty(sectors.size, dtype=np.int64)
    rank[porder] = np.arange(ranked.size) - np.searchsorted(ranked, ranked)
    ok = rank < count[sectors]
    position = np.full(sectors.size, -1, dtype=np.int64)
    position[ok] = order[first[sectors[ok]] + rank[ok]]
    return ok, position


class Bridges(Lever):
    """Passerelles: stalled routes in member SIAE move on, to a member firm when one has a
    vacancy in the person's best sector, else to another member SIAE with another activity."""

    name = "bridges"

    def hooks(self) -> list[tuple[str, Callable[[], None]]]:
        return [("support", self.broker_bridges)]

    def broker_bridges(self) -> None:
        m, p, co = self.model, self.model.persons, self.coordinator
        st = m.structures
        in_siae = np.flatnonzero(p.state == S.SIAE)
        where = p.siae[in_siae]
        stalled = (st.member[where] & (p.months_in_state[in_siae] >= self.p.stall_months)
                   & (p.skill[in_siae, st.sector[where]] < self.p.stall_skill)
                   & (p.contract_end[in_siae] > m.month))
        cand = in_siae[stalled]
        n = co.spend(self.name, cand.size, self.p.cost_per_action)
        chosen = _pick(self.model, "ptce.bridges", cand, n)
        co.treat(chosen)
        ok = chosen[self.rng.random(chosen.size) < co.success_probability(self.p.success)]
        # a recommendation to a member firm with a seat in the person's best sector (the
        # firm decides, reading the SIAE's reference), else a move to another member SIAE
        referred, to = self.refer_to_member_firms(ok, self.best_sector(ok), "ptce_bridges_firm")
        if referred.size:
            co.joint_actions("siae", p.siae[referred], "firm", to)
        rest = ok[~np.isin(ok, referred, kind="sort")]
        self._to_other_siae(rest, in_siae)

    def _to_other_siae(self, slots: np.ndarray, in_siae: np.ndarray) -> None:
        """Move ``slots`` to free posts of member SIAE of another activity (``in_siae``: the
        SIAE employees at the start of the lever's turn, to count occupied posts)."""
        m, p, co = self.model, self.model.persons, self.coordinator
        st = m.structures
        still = in_siae[p.state[in_siae] == S.SIAE]
        occupied = np.bincount(p.siae[still], minlength=st.n)
        free = np.maximum(st.posts - occupied, 0) * st.member
        if slots.size == 0 or free.sum() == 0:
            return
        posts = self.rng.permutation(np.repeat(np.arange(st.n), free))
        taken = np.zeros(posts.size, dtype=bool)
        origin_sector = st.sector[p.siae[slots]]
        moved, dest = [], []
        for s in np.unique(origin_sector):  # a post in a structure of another activity
            who = slots[origin_sector == s]
            options = np.flatnonzero((st.sector[posts] != s) & ~taken)[: who.size]
            taken[options] = True
            moved.append(who[: options.size])
            dest.append(posts[options])
        who, to = np.concatenate(moved), np.concatenate(dest)
        if who.size == 0:
            return
        origin = p.siae[who].copy()
        remaining = np.minimum(p.contract_end[who] - m.month + 6, m.cddi_months_allowed(who))
        st.hire(p, who, to, m.month + np.maximum(remaining, 1))
        co.joint_actions("siae", origin, "siae", to)
        co.count("ptce_bridges_siae", who.size)


class Immersions(Lever):
    """PMSMP: jobseekers and SIAE employees spend a month in a member firm, within each
    firm's hosting capacity, keeping their status; the host sees them work (their real skill
    in its sector, and a signal on their productivity) and, at the next matching, considers
    them as known applicants: it hires them only if it has a vacancy and finds them
    acceptable. Participants and matched non-participants are tracked."""

    name = "immersions"

    def hooks(self) -> list[tuple[str, Callable[[], None]]]:
        return [("matching", self.place_immersions)]

    def place_immersions(self) -> None:
        m, p, co = self.model, self.model.persons, self.coordinator
        firms = m.firms
        members = np.flatnonzero(firms.member)
        capacity = members.size * self.p.hosts_per_firm
        if capacity == 0:
            return
        eligible = np.flatnonzero((p.state == S.UNEMPLOYED)
                                  | ((p.state == S.SIAE) & (p.months_in_state >= 2)))
        n = co.spend(self.name, min(eligible.size, capacity), self.p.cost_per_action)
        if n == 0:
            return
        # the n smallest person draws take part; the next ones (a random subset of the
        # others, POOL_FACTOR times as many) are the pool their comparisons are matched from
        keys = m.draw("ptce.immersions", eligible)
        take = min(eligible.size, n * (1 + POOL_FACTOR))
        if take < eligible.size:
            part = np.argpartition(keys, take - 1)[:take]
            eligible, keys = eligible[part], keys[part]
        order = np.argsort(keys, kind="stable")
        eligible, keys = eligible[order], keys[order]
        chosen = eligible[:n]
        co.treat(chosen)
        co.pmsmp.start(chosen, eligible[n:], keys[n:])
        # hosting seats: hosts_per_firm per member firm; one of the person's best sector
        # when one is left, else any seat left
        seats = self.rng.permutation(np.repeat(members, self.p.hosts_per_firm))
        ok, position = _seats_in_sector(seats, firms.sector[seats],
                                        self.best_sector(chosen), firms.n_sectors)
        host = np.empty(chosen.size, dtype=np.int64)
        host[ok] = seats[position[ok]]
        host[~ok] = np.delete(seats, position[ok])[: int((~ok).sum())]
        hs = firms.sector[host]
        p.skill[chosen, hs] = np.minimum(p.skill[chosen, hs] + p.hidden_skill[chosen, hs], 1.0)
        p.hidden_skill[chosen, hs] = 0.0
        p.known_firm[chosen] = host
        # the host has seen the person work: a signal on their productivity (section 4.7)
        m.signals.write(chosen, host, m.params.matching.immersion_precision, "pmsmp")
        co.count("ptce_immersions", chosen.size)
        self.refer(chosen, host, "ptce_immersion_hires")
        origin_siae = p.siae[chosen]
        from_member = (origin_siae != NO_ORG) & m.structures.member[np.maximum(origin_siae, 0)]
        co.joint_actions("siae", origin_siae[from_member], "firm", host[from_member])


class SharedJobs(Lever):
    """Emplois partagés: short contracts ending in member firms become durable shared jobs
    (groupement d'employeurs pooling the members' part-time needs)."""

    name = "shared_jobs"

    def hooks(self) -> list[tuple[str, Callable[[], None]]]:
        return [("demand", self.pool_jobs)]

    def pool_jobs(self) -> None:
        m, p, co = self.model, self.model.persons, self.coordinator
        ending = np.flatnonzero((p.state == S.EMPLOYED_TEMP) & (p.contract_end <= m.month))
        ending = ending[m.firms.member[p.employer[ending]]]
        n = co.spend(self.name, ending.size, self.p.cost_per_action)
        chosen = _pick(self.model, "ptce.shared_jobs", ending, n)
        co.treat(chosen)
        ok = chosen[self.rng.random(chosen.size) < co.success_probability(self.p.success)]
        m.convert_to_cdi(ok)
        firms = p.employer[ok]
        co.joint_actions("firm", firms, "firm", firms)
        co.count("ptce_shared_jobs", ok.size)


class SkillsExchange(Lever):
    """Bourse aux compétences: after diagnosis, test groups and evaluation, jobseekers'
    hidden skills are revealed to employers and matched to members' open vacancies; the
    hires of revealed persons are counted as matched."""

    name = "skills_exchange"

    def __init__(self, coordinator: PTCECoordinator) -> None:
        super().__init__(coordinator)
        # persons whose skills were revealed and who have not been hired since (slot, id)
        self.revealed_slot = np.empty(0, dtype=np.int64)
        self.revealed_id = np.empty(0, dtype=np.int64)
        self.revealed = np.zeros(self.model.persons.n, dtype=bool)

    def hooks(self) -> list[tuple[str, Callable[[], None]]]:
        return [("prescription", self.reveal_skills), ("matching", self.count_matches)]

    def reach(self) -> float:
        """Share of full reach at this month of the project (the seed's six-step table)."""
        month = self.model.reported_month
        p = self.p
        if month <= p.diagnosis_months:
            return 0.0
        if month <= p.diagnosis_months + p.test_months + p.evaluation_months:
            return p.test_scale
        return 1.0

    def reveal_skills(self) -> None:
        p, co = self.model.persons, self.coordinator
        unemployed = np.flatnonzero(p.state == S.UNEMPLOYED)
        unemployed = unemployed[~self.revealed[unemployed]]
        n = co.spend(self.name, unemployed.size, self.p.cost_per_action)
        reach = self.reach()
        if reach == 0.0 or n == 0:
            return  # diagnosis: cases are used, nothing is revealed yet
        chosen = _pick(self.model, "ptce.skills_exchange", unemployed,
                       int(np.floor(n * reach + self.rng.random())))
        co.treat(chosen)
        ok = chosen[self.rng.random(chosen.size) < co.success_probability(self.p.success)]
        p.skill[ok] = np.minimum(p.skill[ok] + p.hidden_skill[ok], 1.0)
        p.hidden_skill[ok] = 0.0
        self.revealed_slot = np.concatenate([self.revealed_slot, ok])
        self.revealed[ok] = True
        self.revealed_id = np.concatenate([self.revealed_id, p.person_id[ok]])
        co.count("ptce_skills_revealed", ok.size)
        # the exchange recommends the revealed skills to members' unmet needs (open
        # vacancies of their best sector); the firms decide at the matching
        _, to = self.refer_to_member_firms(ok, self.best_sector(ok),
                                           "ptce_skills_referral_hires")
        co.joint_actions("firm", to, "firm", to)

    def count_matches(self) -> None:
        p = self.model.persons
        slots = self.revealed_slot
        present = p.person_id[slots] == self.revealed_id
        state = p.state[slots]
        hired = present & (p.prev_state[slots] == S.UNEMPLOYED) & (
            (state == S.EMPLOYED_TEMP) | (state == S.EMPLOYED_DURABLE))
        keep = present & ~hired
        self.revealed[slots[~keep]] = False
        self.revealed_slot, self.revealed_id = slots[keep], self.revealed_id[keep]
        self.coordinator.count("ptce_skills_matched", int(hired.sum()))


class CoordinatedTraining(Lever):
    """GPEC territoriale: co-training seats added to member bodies' programmes, and their
    completers placed in member firms of the programme's sector."""

    name = "coordinated_training"

    def __init__(self, coordinator: PTCECoordinator) -> None:
        super().__init__(coordinator)
        self.base_seats = self.model.programmes.seats.copy()

    def hooks(self) -> list[tuple[str, Callable[[], None]]]:
        return [("demand", self.steer_seats), ("support", self.place_graduates)]

    def idle(self) -> None:
        """Without the lever, programmes go back to their own seats (trainees stay)."""
        self.model.programmes.seats = self.base_seats.copy()

    def steer_seats(self) -> None:
        m, co = self.model, self.coordinator
        member = co.member_programmes
        if not member.any():
            return
        target = np.floor(self.base_seats * member * self.p.extra_seat_share).astype(np.int64)
        funded = co.spend(self.name, int(target.sum()), self.p.cost_per_action)
        # funded seats go to member programmes in proportion to their target
        share = target / max(target.sum(), 1)
        extra = np.floor(share * funded).astype(np.int64)
        m.programmes.seats = self.base_seats + extra
        co.count("ptce_training_seats_added", int(extra.sum()))

    def place_graduates(self) -> None:
        m, co = self.model, self.coordinator
        slots, programmes = m.graduates
        if slots.size == 0:
            return
        keep = co.member_programmes[programmes] & (m.persons.state[slots] == S.UNEMPLOYED)
        slots, programmes = slots[keep], programmes[keep]
        n = co.spend(self.name, slots.size, 1.0)
        slots, programmes = slots[:n], programmes[:n]
        co.treat(slots)
        ok = self.rng.random(slots.size) < co.success_probability(self.p.success)
        slots, programmes = slots[ok], programmes[ok]
        referred, to = self.refer_to_member_firms(slots, m.programmes.sector[programmes],
                                                  "ptce_training_placements")
        body = m.programmes.body[programmes[_positions(slots, referred)]]
        co.joint_actions("training", body, "firm", to)


class Incubation(Lever):
    """The seven-step innovation process: while funded, a project advances; at its end it
    creates a new member activity with some probability, whose jobs go first to SIAE
    employees at the end of their route, then to long-term jobseekers."""

    name = "incubation"
    STEPS: ClassVar[int] = 7

    def __init__(self, coordinator: PTCECoordinator) -> None:
        super().__init__(coordinator)
        self.progress = 0.0  # months of work done on the current project

    def hooks(self) -> list[tuple[str, Callable[[], None]]]:
        return [("demand", self.incubate)]

    @property
    def action_cost(self) -> float:
        return float(self.p.cases_per_month)

    def incubate(self) -> None:
        m, co, p = self.model, self.coordinator, self.p
        cases = co.spend(self.name, 1, p.cases_per_month)
        if cases == 0:
            return  # not enough capacity this month: the project stalls
        self.progress += 1.0
        if self.progress < self.STEPS * p.months_per_step:
            return
        self.progress = 0.0
        if self.rng.random() >= co.success_probability(p.success):
            return
        names = m.sector_names
        sector = names.index(p.sector or (co.params.sectors or names)[0])
        firm = m.firms.add_firm(sector, p.jobs_per_activity, member=True)
        m.add_enterprise(firm)
        co.add_member_firm(firm)
        co.count("ptce_activities_incubated", 1)
        co.count("ptce_jobs_created", p.jobs_per_activity)
        self._staff(firm)

    def _staff(self, firm: int) -> None:
        """Recommend candidates to the new activity, ``candidates_per_job`` per position:
        first SIAE employees within 6 months of their route's end, then long-term
        jobseekers; the activity recruits among them at this month's matching (and fills
        what is left through the ordinary matching later)."""
        m, pp = self.model, self.model.persons
        near_end = np.flatnonzero((pp.state == S.SIAE) & (pp.contract_end - m.month <= 6))
        long_term = np.flatnonzero((pp.state == S.UNEMPLOYED) & (pp.unemployment_spell >= 12))
        k = int(m.firms.vacancies[firm]) * self.p.candidates_per_job
        pool = np.concatenate([self.rng.permutation(near_end), self.rng.permutation(long_term)])
        referred = pool[:k]
        self.coordinator.treat(referred)
        self.refer(referred, np.full(referred.size, firm), "ptce_incubation_hires")


class FollowUp(Lever):
    """Follow-up of member SIAE leavers: while followed, a leaver without a job (first those
    whose job has just ended) is re-placed in a member firm when one has a vacancy."""

    name = "follow_up"

    def __init__(self, coordinator: PTCECoordinator) -> None:
        super().__init__(coordinator)
        # followed leavers: slot, person id, last month of the follow-up
        self.slot = np.empty(0, dtype=np.int64)
        self.person_id = np.empty(0, dtype=np.int64)
        self.until = np.empty(0, dtype=np.int64)

    def hooks(self) -> list[tuple[str, Callable[[], None]]]:
        return [("separations", self.replace_leavers), ("siae_exits", self.register_leavers)]

    def register_leavers(self) -> None:
        m, p = self.model, self.model.persons
        slots, structure = m.recorder.exits_this_month()
        slots = slots[m.structures.member[structure]]
        again = np.isin(self.slot, slots, kind="sort")  # a new exit restarts the follow-up
        self.slot = np.concatenate([self.slot[~again], slots])
        self.person_id = np.concatenate([self.person_id[~again], p.person_id[slots]])
        self.until = np.concatenate([self.until[~again],
                                     np.full(slots.size, m.month + self.p.months)])

    def replace_leavers(self) -> None:
        m, p, co = self.model, self.model.persons, self.coordinator
        live = (self.until >= m.month) & (p.person_id[self.slot] == self.person_id)
        self.slot, self.person_id, self.until = (
            self.slot[live], self.person_id[live], self.until[live])
        followed = self.slot[p.state[self.slot] == S.UNEMPLOYED]
        # those whose job just ended come first, then the other followed jobseekers
        lost_job = (p.prev_state[followed] == S.EMPLOYED_TEMP) | (
            p.prev_state[followed] == S.EMPLOYED_DURABLE)
        order = np.concatenate([self.rng.permutation(followed[lost_job]),
                                self.rng.permutation(followed[~lost_job])])
        n = co.spend(self.name, order.size, self.p.cost_per_action)
        chosen = order[:n]
        co.treat(chosen)
        ok = chosen[self.rng.random(chosen.size) < co.success_probability(self.p.success)]
        self.refer_to_member_firms(ok, self.best_sector(ok), "ptce_follow_up_replacements")


LEVER_CLASSES: dict[str, type[Lever]] = {
    cls.name: cls for cls in (Bridges, Immersions, SharedJobs, SkillsExchange,
                              CoordinatedTraining, Incubation, FollowUp)
}
