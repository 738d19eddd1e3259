"""The asyncio runtime: every model runs as real replicas over UDP (see :mod:`.replica`).

* :mod:`.wire` — the packet format and its validation;
* :mod:`.schema` — a model's per-round message types as wire layouts;
* :mod:`.config` — round policies, network fault injection, initial values;
* :mod:`.netfaults` — drops, duplicates, delays and reordering on the sending side;
* :mod:`.replica` — one replica (rounds, catch-up, back-to-back instances);
* :mod:`.streams` — one replica with several instances in progress at once;
* :mod:`.cluster` — ``n`` replicas in one process, with crashes and restarts;
* :mod:`.checks` — the model's properties (:mod:`hoverify.properties`) across replicas;
* :mod:`.peers` — the peers file of ``hoverify replica``;
* :mod:`.replay` — replaying the HO sets a run produced in the lockstep executor.
"""

from hoverify.runtime.checks import Verdict, check_decisions, checked_properties
from hoverify.runtime.cluster import ClusterResult, ReplicaReport, run_cluster
from hoverify.runtime.config import NetFaults, RoundPolicy, RuntimeConfig, value_for
from hoverify.runtime.replica import INVALID, Decision, Replica
from hoverify.runtime.streams import Streams, make_replica

__all__ = ["Replica", "Streams", "make_replica", "Decision", "INVALID", "RuntimeConfig",
           "RoundPolicy", "NetFaults", "value_for", "run_cluster", "ClusterResult",
           "ReplicaReport", "check_decisions", "checked_properties", "Verdict"]
