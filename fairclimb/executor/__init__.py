"""Where the CPU-heavy work runs: on this machine (``local``) or on a Ray cluster
(``ray``).

Executing samples (``eval``, ``suites check``, distillation's execution filter, the
execution reward) and signing texts for dedup and decontamination can outgrow one
machine. With ``--executor ray --ray-address HOST:PORT`` they run on an existing Ray
cluster: each node checks batches of samples in its own warm sandbox, and the results
come back to the one process that writes them. Ray is an optional extra
(``pip install 'fairclimb[ray]'``) and is imported only when it is asked for.
"""

from fairclimb.executor._kind import Executor, ExecutorChoice
from fairclimb.executor._ray import connect, map_chunks, reach

__all__ = ["Executor", "ExecutorChoice", "connect", "map_chunks", "reach"]
