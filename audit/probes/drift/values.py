"""The drift kind's check names, bound to those its def.yaml declares (a name it does not declare fails
at import). A behaviour-stable finding's values are a `DriftReport` and a fingerprint-stable finding's
a `FingerprintCheck` (audit.probes.drift.report): those models are the typed views of its values.
`audit verify` emits reference-match instead of behaviour-stable (the same DriftReport), so a rubric
tells a comparison with a reference from a drift audit against the endpoint's own baseline."""

from __future__ import annotations

from audit.probes.registry import declared_check

__all__ = ["BEHAVIOUR_CHECK", "REFERENCE_CHECK", "REPORT_CHECKS", "FINGERPRINT_CHECK"]

BEHAVIOUR_CHECK = declared_check("drift", "behaviour-stable")
REFERENCE_CHECK = declared_check("drift", "reference-match")
REPORT_CHECKS = (BEHAVIOUR_CHECK, REFERENCE_CHECK)  # the checks whose values are a DriftReport
FINGERPRINT_CHECK = declared_check("drift", "fingerprint-stable")
