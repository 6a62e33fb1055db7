"""Drift statistics: is the model behind an API still the one recorded in a baseline?

Pure functions of recorded exchanges, no network. The pieces:

    samples.py      exchanges → DriftSample (answer text, lengths, refusal, served model, fingerprint)
    kernels.py      string kernels for the two-sample test (positional Hamming, exact match)
    permutation.py  prompt-stratified permutation tests; Westfall–Young min-p combination
    compare.py      baseline vs current → DriftReport (p-values, effect sizes with intervals, verdict)
    alarm.py        the periodic alarm rule (per-audit level that holds a false-alarm rate over a period)
    summary.py      DriftReport → Markdown for a CI comment
    timeline.py     history → card section data and an inline SVG timeline
"""
