"""Custom actions of the help-desk assistant (rasa-sdk action server, engine env).

`rasa run actions` imports this package and every submodule; each module holds the actions of one
flow. Facts and rules come from /work/shared/seed/RULES.md (S1-S11).
"""
