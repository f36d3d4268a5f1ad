"""Building suites from other suites (debug, perturbed) and the test adequacy gate.

They decide which programs must be judged and what to keep; running them is the
:class:`~fairclimb.suites.build._judge.Judge`'s (``fairclimb.evaluate.ProgramJudge``),
so that ``suites`` never imports ``evaluate``. Private to ``suites``: the names others
use are exported by :mod:`fairclimb.suites`.
"""
