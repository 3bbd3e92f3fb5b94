"""The IAE institutions: prescription, the Pass IAE, accompaniment and exits from SIAE.

The bodies of the ``prescription``, ``support`` and ``siae_exits`` phases of
:class:`~model.territory.TerritoryModel` (which keeps thin methods calling them):

- prescribers (:class:`~model.prescribers.Prescriber`) diagnose jobseekers within their
  capacity; the diagnosed eligible, with the unemployed holders of a valid Pass, form this
  month's candidate pool (:class:`RecruitPool`, built once, vectorised);
- each SIAE recruits its own public from the pool (``SIAE.recruit``, through the model's
  AgentSet); a first CDDI issues a Pass IAE (24 months) that bounds every CDDI on it;
- at the end of a route a Pass may be prolonged for a reason, within caps; an exit is classified
  the Dares way (emploi durable, de transition, sortie positive, other); a leaver may move on
  to a SIAE of another type (``SIAE.take_moves``), a sortie positive.

Rules and sources: ``model/ODD.md`` sections 7.5, 7.6 and 7.8.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .params import PRESCRIBER_KINDS, SIAE_TYPES
from .prescribers import Prescriber, eligible
from .siae import SIAE
from .states import Barrier, ExitOutcome, S

if TYPE_CHECKING:
    from .territory import TerritoryModel

N_TYPES = len(SIAE_TYPES)


def _count(model: TerritoryModel, key: str, n: float) -> None:
    """Add ``n`` to this month's counter ``key``."""
    model.monthly[key] = model.monthly.get(key, 0.0) + float(n)


def shuffle_do(model: TerritoryModel, agent_class: type, method: str) -> None:
    """``model.agents_by_type[agent_class].shuffle_do(method)``, in an order drawn from this
    month's stream ``iae_order``: Mesa's ``model.random`` is re-seeded from it first, so the
    order depends on the run's seed and month only, never on other users of ``model.random``
    (common random numbers between a PTCE scenario and its counterfactual)."""
    model.random.seed(int(model.stream("iae_order").integers(2**62)))
    model.agents_by_type[agent_class].shuffle_do(method)


def top_k(keys: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest keys (unordered)."""
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    if k >= keys.size:
        return np.arange(keys.size)
    return np.argpartition(-keys, k - 1)[:k]


@dataclass
class RecruitPool:
    """Candidates offered to the SIAE this month: ``slots`` (k,), ``eligible`` (N_TYPES, k)
    (may be hired by a structure of that type), ``taken`` (k,) (hired this month), and
    ``to_fill`` (n_structures,) (posts each structure seeks to fill)."""

    slots: np.ndarray
    eligible: np.ndarray
    taken: np.ndarray
    to_fill: np.ndarray

    @classmethod
    def empty(cls, n_structures: int) -> RecruitPool:
        return cls(np.empty(0, dtype=np.int64), np.zeros((N_TYPES, 0), dtype=bool),
                   np.zeros(0, dtype=bool), np.zeros(n_structures, dtype=np.int64))

    def available(self, siae_type: int) -> np.ndarray:
        """Positions in the pool of the candidates a structure of ``siae_type`` may still take."""
        return np.flatnonzero(self.eligible[siae_type] & ~self.taken)


def cddi_months_allowed(model: TerritoryModel, slots: np.ndarray | int) -> np.ndarray:
    """Months of CDDI a person may still work: to the end of a valid Pass IAE; with none, a
    new Pass's ``cddi_max_months`` unless inside the waiting period (waivers aside), else 0."""
    p, rules, month = model.persons, model.params.siae_rules, model.month
    end = p.pass_end[slots]
    fresh = (end < 0) | (month >= end + rules.waiting_period_months)
    return np.where(end > month, end - month,
                    np.where(fresh, rules.cddi_max_months, 0)).astype(np.int64)


def prolongation_cap(model: TerritoryModel, slots: np.ndarray) -> np.ndarray:
    """Total prolongation months each person's reasons allow, shape (len(slots),): disability
    (the HEALTH barrier), age 50 or more, severe difficulties in an ACI or AI (barrier score
    >= ``severe_barriers``); the largest cap among the reasons held, 0 without a reason."""
    p, rules = model.persons, model.params.siae_rules
    st = model.structures
    disability = (p.barrier_bits[slots] & Barrier.HEALTH) != 0
    senior = p.age_months[slots] >= rules.senior_age * 12
    kind = st.type[np.maximum(p.siae[slots], 0)]
    severe = (((kind == SIAE_TYPES.index("ACI")) | (kind == SIAE_TYPES.index("AI")))
              & (p.siae[slots] >= 0) & (p.barriers[slots] >= rules.severe_barriers))
    return np.maximum.reduce([np.where(disability, rules.prolongation_cap_disability, 0),
                              np.where(senior, rules.prolongation_cap_senior, 0),
                              np.where(severe, rules.prolongation_cap_severe, 0)])


def _route(model: TerritoryModel, slots: np.ndarray, structures: np.ndarray,
           moving: bool = False) -> np.ndarray:
    """Planned route of ``slots`` in ``structures``, months: Erlang(4) around the type's mean
    (four exponential person draws ``route``, or ``move_route`` for a move between SIAE),
    clipped to [cddi_min_months, Pass months left]."""
    month = model.month
    if moving:
        erlang = sum(model.draws.exponential("move_route", slots, month, k) for k in range(1, 5))
    else:
        erlang = sum(model.draws.exponential("route", slots, month, k) for k in range(1, 5))
    route = erlang * model.structures.by_type("route_mean_months")[structures] / 4.0
    left = model.persons.pass_end[slots] - month
    return np.clip(np.rint(route), model.params.siae_rules.cddi_min_months,
                   left).astype(np.int64)


def issue_passes(model: TerritoryModel, slots: np.ndarray) -> None:
    """Issue a Pass IAE of ``cddi_max_months`` from this month to ``slots`` (none valid), log it
    in ``model.pass_log`` and consume their diagnosis."""
    p, month = model.persons, model.month
    if slots.size == 0:
        return
    model.pass_log.append(np.stack([p.person_id[slots], np.full(slots.size, month),
                                    p.pass_end[slots], p.pass_waiver[slots].astype(np.int64),
                                    p.prescriber[slots].astype(np.int64)]))
    p.pass_start[slots] = month
    p.pass_end[slots] = month + model.params.siae_rules.cddi_max_months
    p.pass_prolonged[slots] = 0
    p.iae_months[slots] = 0
    p.iae_routes[slots] = np.minimum(p.iae_routes[slots].astype(np.int16) + 1, 127)
    p.diagnosed_until[slots] = -1
    p.pass_waiver[slots] = False


def enter(model: TerritoryModel, slots: np.ndarray, structures: np.ndarray) -> None:
    """Hire ``slots`` on a CDDI in ``structures`` (one path for every IAE entry): a Pass is
    issued to those without a valid one, the route is drawn within the Pass, the entry is
    logged and counted."""
    if slots.size == 0:
        return
    p = model.persons
    issue_passes(model, slots[p.pass_end[slots] <= model.month])
    route = _route(model, slots, structures)
    model.structures.hire(p, slots, structures, model.month + route)
    model.recorder.log_iae_entries(slots)
    _count(model, "iae_entries", slots.size)


# ---------------------------------------------------------------------- prescription
def build_pool(model: TerritoryModel, to_fill: np.ndarray) -> RecruitPool:
    """The month's candidates: jobseekers holding a valid Pass with ``cddi_min_months`` left
    (eligible everywhere), and those with a valid diagnosis and no Pass (eligible by type)."""
    p, rules, month = model.persons, model.params.siae_rules, model.month
    un = np.flatnonzero(p.state == S.UNEMPLOYED)
    holder = p.pass_end[un] - month >= rules.cddi_min_months
    diagnosed = (p.diagnosed_until[un] >= month) & (p.pass_end[un] <= month)
    slots = un[holder | diagnosed]
    holder = holder[holder | diagnosed]
    threshold = model.params.prescription.barrier_threshold
    ok = np.stack([holder | eligible(p, slots, t, rules, threshold) for t in range(N_TYPES)])
    return RecruitPool(slots, ok, np.zeros(slots.size, dtype=bool), to_fill)


def prescription(model: TerritoryModel) -> None:
    """Prescribers diagnose, each SIAE recruits from the pool, training seats are filled."""
    rng, p, pr = model.stream("prescription"), model.persons, model.params.prescription
    st = model.structures
    jobseekers = int(np.count_nonzero(p.state == S.UNEMPLOYED))
    total = pr.diagnostics_per_1000 * jobseekers / 1000.0
    prescribers = model.agents_by_type[Prescriber]
    for agent in prescribers:
        x = total * pr.share(agent.kind)
        agent.capacity = int(np.floor(x) + (rng.random() < x - np.floor(x)))
    shuffle_do(model, Prescriber, "diagnose")
    _count(model, "iae_diagnostics", sum(a.diagnosed for a in prescribers))
    free = st.free_posts(p)
    to_fill = rng.binomial(free, pr.siae_fill_rate).astype(np.int64)
    model.iae_pool = build_pool(model, to_fill)
    before = st.occupancy.copy()
    if st.n:
        shuffle_do(model, SIAE, "recruit")
    hired = st.occupancy - before
    _count(model, "iae_unfilled_posts", float(np.maximum(to_fill - hired, 0).sum()))
    _prescribe_training(model, rng)


def _prescribe_training(model: TerritoryModel, rng: np.random.Generator) -> None:
    """Each programme fills part of its free seats with low-qualified jobseekers."""
    p, pr = model.persons, model.params.prescription
    unemployed = np.flatnonzero(p.state == S.UNEMPLOYED)
    seats = model.programmes.free_seats(p)
    n_seat = rng.binomial(seats, pr.training_fill_rate)
    if n_seat.sum() > 0 and unemployed.size:
        eligible_ = unemployed[p.qualification[unemployed] <= pr.training_max_qualification]
        keys = model.draw("training_priority", eligible_)
        chosen = eligible_[top_k(keys, int(n_seat.sum()))]
        progs = rng.permutation(np.repeat(np.arange(model.programmes.n), n_seat))
        model.monthly["training_cost"] += model.programmes.enrol(
            p, chosen, progs[: chosen.size], model.month)
        model.monthly["training_entries"] += chosen.size


def choose(model: TerritoryModel, structure: int, pool: RecruitPool, n: int,
           moving: bool = False) -> np.ndarray:
    """Positions in ``pool`` that SIAE ``structure`` takes (at most ``n``): the top of
    recruit_barrier_weight x barriers + Gumbel noise (person draw ``siae_choice``, or
    ``siae_move_choice`` for leavers moving on; sub-draw structure + 1) among the candidates
    its type may hire and nobody took yet."""
    st = model.structures
    kind = int(st.type[structure])
    avail = pool.available(kind)
    if n <= 0 or avail.size == 0:
        return np.empty(0, dtype=np.int64)
    slots = pool.slots[avail]
    weight = float(st.by_type("recruit_barrier_weight")[structure])
    if moving:
        noise = model.draws.gumbel("siae_move_choice", slots, model.month, structure + 1)
    else:
        noise = model.draws.gumbel("siae_choice", slots, model.month, structure + 1)
    keys = weight * model.persons.barriers[slots] + noise
    chosen = avail[top_k(keys, n)]
    pool.taken[chosen] = True
    return chosen


# ---------------------------------------------------------------------- support
def support(model: TerritoryModel) -> None:
    """SIAE accompany their employees; training programmes that end qualify people."""
    p = model.persons
    model.structures.accompany(p)
    finishing = np.flatnonzero((p.state == S.TRAINING) & (p.contract_end <= model.month))
    programmes = p.programme[finishing]
    done = np.zeros(finishing.size, dtype=bool)
    if finishing.size:
        done = model.programmes.graduate(p, finishing, model.draw("completion", finishing))
        model.monthly["training_completions"] += int(done.sum())
    #: this month's completers and their programmes (for extensions)
    model.graduates = (finishing[done], programmes[done])


# ---------------------------------------------------------------------- exits
def prolong(model: TerritoryModel, in_siae: np.ndarray) -> None:
    """Routes that reach the end of their Pass this month ask for a prolongation; it is
    granted if the person has a reason with cap left and the person draw
    ``pass_prolongation`` is below ``prolongation_probability``, by min(step max, cap left)
    months; the CDDI runs on to the new end of the Pass."""
    p, rules, month = model.persons, model.params.siae_rules, model.month
    ask = in_siae[(p.contract_end[in_siae] <= month) & (p.pass_end[in_siae] >= 0)
                  & (p.contract_end[in_siae] >= p.pass_end[in_siae])]
    if ask.size == 0:
        return
    step = np.minimum(rules.prolongation_step_max,
                      prolongation_cap(model, ask) - p.pass_prolonged[ask])
    granted = (step > 0) & (model.draw("pass_prolongation", ask)
                            < rules.prolongation_probability)
    who, step = ask[granted], step[granted]
    p.pass_end[who] += step
    p.pass_prolonged[who] += step.astype(np.int16)
    p.contract_end[who] = p.pass_end[who]
    _count(model, "iae_prolongations", who.size)


def siae_exits(model: TerritoryModel) -> None:
    """Routes end at the contract limit (after any prolongation) or by early departure; each
    exit is classified, and some leavers move on to another SIAE."""
    rng, p, st = model.stream("siae_exits"), model.persons, model.structures
    in_siae = np.flatnonzero(p.state == S.SIAE)
    if in_siae.size == 0:
        return
    prolong(model, in_siae)
    s = p.siae[in_siae]
    planned = p.contract_end[in_siae] <= model.month
    due = planned | (model.draw("dropout", in_siae) < st.by_type("dropout")[s])
    leaving, planned = in_siae[due], planned[due]
    if leaving.size == 0:
        return
    s = p.siae[leaving]
    outcome = np.full(leaving.size, ExitOutcome.OTHER, dtype=np.int64)
    movers, dest = _moves(model, leaving, planned)
    outcome[np.isin(leaving, movers)] = ExitOutcome.POSITIVE
    rest = outcome == ExitOutcome.OTHER
    creates = rest & (model.draw("exit_business", leaving)
                      < model.params.siae_rules.exit_business_creation)
    outcome[creates] = ExitOutcome.DURABLE
    rest &= ~creates
    to_training = rest & (model.draw("exit_to_training", leaving)
                          < st.by_type("exit_to_training")[s])
    # sorties positives need a free training seat
    trainees = leaving[to_training]
    seats = model.programmes.free_seats(p)
    progs = rng.permutation(np.repeat(np.arange(model.programmes.n), seats))
    trainees = trainees[: progs.size]
    outcome[np.isin(leaving, trainees)] = ExitOutcome.POSITIVE
    model.recorder.log_siae_exits(leaving, outcome)
    if movers.size:
        left = p.pass_end[movers] - model.month
        route = np.minimum(_route(model, movers, dest, moving=True), left)
        st.hire(p, movers, dest, model.month + route)
        _count(model, "iae_moves", movers.size)
    p.set_state(leaving[creates], S.SELF_EMPLOYED)
    p.set_state(leaving[outcome == ExitOutcome.OTHER], S.UNEMPLOYED)
    model.monthly["training_cost"] += model.programmes.enrol(
        p, trainees, progs[: trainees.size], model.month)
    model.monthly["training_entries"] += trainees.size


def _moves(model: TerritoryModel, leaving: np.ndarray,
           planned: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Leavers at the planned end of a route who move on to another SIAE: those whose person
    draw ``move_on`` is below their type's ``move_on`` and whose Pass has ``cddi_min_months``
    left are offered to the structures of the types nearer to employment (a lower
    ``recruit_barrier_weight``), which choose among them (``SIAE.take_moves``) within their
    free posts. Returns (movers, their new structures)."""
    p, st, rules = model.persons, model.structures, model.params.siae_rules
    origin = st.type[p.siae[leaving]]
    weight = np.array([model.params.siae[t].recruit_barrier_weight  # type: ignore[index]
                       if t in model.params.siae else 0.0 for t in SIAE_TYPES])
    move_on = np.array([model.params.siae[t].move_on  # type: ignore[index]
                        if t in model.params.siae else 0.0 for t in SIAE_TYPES])
    want = (planned & (model.draw("move_on", leaving) < move_on[origin])
            & (p.pass_end[leaving] - model.month >= rules.cddi_min_months))
    cand = leaving[want]
    none = np.empty(0, dtype=np.int64)
    if cand.size == 0:
        return none, none
    ok = weight[None, :] < weight[origin[want]][:, None]  # (k, N_TYPES)
    pool = RecruitPool(cand, ok.T.copy(), np.zeros(cand.size, dtype=bool),
                       st.free_posts(p))
    model.iae_moves = pool
    model.iae_move_dest = np.full(cand.size, -1, dtype=np.int64)
    shuffle_do(model, SIAE, "take_moves")
    moved = model.iae_move_dest >= 0
    return cand[moved], model.iae_move_dest[moved]


def entries_by_prescriber(model: TerritoryModel) -> dict[str, int]:
    """Passes IAE issued so far, by the prescriber whose diagnosis led to them."""
    if not model.pass_log:
        return dict.fromkeys(PRESCRIBER_KINDS, 0)
    codes = np.concatenate([log[4] for log in model.pass_log])
    counts = np.bincount(codes[codes >= 0], minlength=len(PRESCRIBER_KINDS))
    return {kind: int(counts[i]) for i, kind in enumerate(PRESCRIBER_KINDS)}


__all__ = ["RecruitPool", "build_pool", "cddi_months_allowed", "choose", "enter",
           "entries_by_prescriber", "issue_passes", "prescription", "prolong",
           "prolongation_cap", "siae_exits", "support", "top_k"]
