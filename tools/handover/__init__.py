"""Bring this project into a checkout of eco2-team/backend, one reviewed commit per step.

`python -m tools.handover <checkout>` (or `make handover ECO2=<checkout>`) creates the branch
`auth-v2-handover` from the checkout's HEAD. The steps and their order are in `steps.py`, the
platform files each step knows how to edit in `bases.py`.
"""
