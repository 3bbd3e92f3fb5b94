"""The PTCE: its coordinator agent, its levers, and the PMSMP comparison tracker."""

from .coordinator import PTCE_SERIES_DOCS, PTCECoordinator
from .levers import LEVER_CLASSES, Lever
from .pmsmp import PMSMPTracker

__all__ = ["LEVER_CLASSES", "PTCE_SERIES_DOCS", "Lever", "PMSMPTracker", "PTCECoordinator"]
