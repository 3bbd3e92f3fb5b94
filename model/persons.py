"""``JobSeeker``: one Mesa agent per person, a view on the columnar store.

Attributes are properties that read and write the model's :class:`PersonStore` at the agent's
slot, so ``model.agents_by_type[JobSeeker].select(lambda p: p.state == State.UNEMPLOYED)``
and ``.agg("barriers", np.mean)`` work as usual, while the monthly dynamics run as array
operations over the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from .states import State

if TYPE_CHECKING:
    from .territory import TerritoryModel


class JobSeeker(mesa.Agent):
    """A person of working age (employed or not: every person may seek a job some day).

    The agent is a seat of the working-age population: when its person retires, the young
    entrant who replaces them takes the seat under a new ``person_id``.
    """

    model: TerritoryModel

    def __init__(self, model: TerritoryModel, slot: int) -> None:
        super().__init__(model)
        self.slot = int(slot)

    @classmethod
    def create_seats(cls, model: TerritoryModel, n: int) -> None:
        """Create the ``n`` agents of slots 0..n-1, registered as ``Agent.__init__`` would.

        Registering 10^5-10^6 agents one by one through ``Agent.__init__`` costs about 8 us
        each (signals, per-agent set inserts); this fills Mesa's registries in bulk with the
        same result (unique ids, ``model.agents``, ``agents_by_type``). It falls back to
        ``create_agents`` when this Mesa's registries are not the ones it knows.
        """
        registry = getattr(model, "_all_agents", None)
        by_type = getattr(model, "_agents_by_type", None)
        if (cls._datasets or not isinstance(getattr(registry, "_agents", None), dict)
                or not isinstance(by_type, dict) or cls in by_type):
            cls.create_agents(model, n, slot=list(range(n)))
            return
        from mesa.agentset import _HardKeyAgentSet

        start = model.agent_id_counter
        agents = [cls.__new__(cls) for _ in range(n)]
        for i, agent in enumerate(agents):
            agent.__dict__.update(model=model, unique_id=start + i, pos=None, slot=i)
        model.agent_id_counter = start + n
        registry._agents.update(dict.fromkeys(agents))  # type: ignore[union-attr]
        by_type[cls] = _HardKeyAgentSet(agents, random=model.random)

    @property
    def person_id(self) -> int:
        return int(self.model.persons.person_id[self.slot])

    @property
    def state(self) -> State:
        return State(int(self.model.persons.state[self.slot]))

    @property
    def age(self) -> float:
        """Age in years."""
        return float(self.model.persons.age_months[self.slot]) / 12.0

    @property
    def qualification(self) -> int:
        """Qualification level, 0 (none) .. 4 (higher education)."""
        return int(self.model.persons.qualification[self.slot])

    @property
    def barriers(self) -> float:
        """Employability-barrier score, 0..1 (mobility, housing, health, care)."""
        return float(self.model.persons.barriers[self.slot])

    @barriers.setter
    def barriers(self, value: float) -> None:
        self.model.persons.barriers[self.slot] = np.float32(min(max(value, 0.0), 1.0))

    @property
    def skills(self) -> np.ndarray:
        """Visible skill per sector, shape (n_sectors,), 0..1 (a copy)."""
        return self.model.persons.skill[self.slot].copy()

    @property
    def hidden_skills(self) -> np.ndarray:
        """Skill per sector that employers cannot see, shape (n_sectors,) (a copy)."""
        return self.model.persons.hidden_skill[self.slot].copy()

    @property
    def rsa(self) -> bool:
        return bool(self.model.persons.rsa[self.slot])

    @property
    def unemployment_spell(self) -> int:
        """Months in the current unemployment spell."""
        return int(self.model.persons.unemployment_spell[self.slot])

    @property
    def iae_months(self) -> int:
        """Months of the Pass IAE used."""
        return int(self.model.persons.iae_months[self.slot])

    @property
    def employer(self) -> mesa.Agent | None:
        """The Enterprise, SIAE or TrainingBody the person is with, if any."""
        return self.model.organisation_of(self.slot)

    @property
    def months_in_state(self) -> int:
        return int(self.model.persons.months_in_state[self.slot])

    def history(self) -> list[tuple[str, int, int | None, int]]:
        """This person's spells so far: (state, start month, end month or None, organisation)."""
        return self.model.spells_of(self.person_id)

    def __repr__(self) -> str:
        return (f"JobSeeker(person_id={self.person_id}, state={self.state.name}, "
                f"age={self.age:.1f}, qualification={self.qualification})")
