"""Generation: drawing samples from models for a suite's tasks.

Prompts are built and answers turned back into programs in :mod:`._prompts`; a
generation run (:mod:`._generation`) writes each completion as it arrives and resumes
from its cache without calling the model twice. Private to ``evaluate``: what others
need is exported by :mod:`fairclimb.evaluate`.
"""
