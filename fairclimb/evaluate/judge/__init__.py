"""The judge: the trusted side that turns a program into a verdict.

Checker processes (:mod:`._pool`, made only by :func:`._checkers.checkers`) each own a
warm sandbox; the tests and expected values stay in the checker (:mod:`._checker`),
under a time limit of their own (:mod:`._alarm`); an optimize task's cost is measured
on heavy inputs (:mod:`._efficiency`); a debug fix's distance from the buggy program
(:mod:`._fix_distance`); mutants and references run through the same checkers
(:mod:`._mutation`). Private to ``evaluate``: what others need is exported by
:mod:`fairclimb.evaluate`.
"""
