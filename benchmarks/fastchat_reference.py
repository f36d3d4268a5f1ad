"""Run FastChat's own rating code on a battle file (in a separate venv with fschat).

Run with the peer venv's Python, never the project's:

    python3 -m venv /tmp/ratings-peer
    /tmp/ratings-peer/bin/pip install fschat==0.2.36 numpy pandas scikit-learn tqdm pytz plotly
    /tmp/ratings-peer/bin/python benchmarks/fastchat_reference.py ratings BATTLES.jsonl OUT.json
    /tmp/ratings-peer/bin/python benchmarks/fastchat_reference.py bench BATTLES.jsonl ROUNDS

``ratings`` writes {model: rating} from ``compute_elo_mle_with_tie``; ``bench`` times
``get_bootstrap_result(battles, compute_elo_mle_with_tie, ROUNDS)`` and prints JSON (wall
and CPU seconds: on a loaded machine CPU is the fairer figure).
``fastchat.serve.monitor.elo_analysis`` imports FastChat's model adapters (torch...) for
its leaderboard table helpers; they are stubbed here, the rating functions untouched.
"""

import json
import sys
import time
import types


def _elo_analysis():  # type: ignore[no-untyped-def]
    for name, attrs in {
        "fastchat.model.model_registry": {"get_model_info": None},
        "fastchat.serve.monitor.basic_stats": {"get_log_files": None},
        "fastchat.serve.monitor.clean_battle_data": {"clean_battle_data": None},
    }.items():
        stub = types.ModuleType(name)
        stub.__dict__.update(attrs)
        sys.modules[name] = stub
    from fastchat.serve.monitor import elo_analysis

    return elo_analysis


def main() -> None:
    import pandas as pd

    mode, path = sys.argv[1], sys.argv[2]
    battles = pd.read_json(path, lines=True)
    elo = _elo_analysis()
    if mode == "ratings":
        ratings = elo.compute_elo_mle_with_tie(battles)
        with open(sys.argv[3], "w") as out:
            json.dump({k: float(v) for k, v in ratings.items()}, out, indent=1, sort_keys=True)
    else:
        rounds = int(sys.argv[3])
        start, start_cpu = time.perf_counter(), time.process_time()
        elo.get_bootstrap_result(battles, elo.compute_elo_mle_with_tie, rounds)
        print(json.dumps({"seconds": time.perf_counter() - start, "rounds": rounds,
                          "cpu": time.process_time() - start_cpu}))


if __name__ == "__main__":
    main()
