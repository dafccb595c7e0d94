"""The built-in PBX simulator (CONTRACT §7): the Gravitel API on loopback, with sample data,
playing calls toward a CRM URL as the real PBX does. No Qt here; see docs/simulator.md."""

from desktop_app.simulator.calls import Delays
from desktop_app.simulator.server import Simulator, main, run_simulator

__all__ = ["Delays", "Simulator", "main", "run_simulator"]
