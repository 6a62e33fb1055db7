"""The drift kind's check names, bound to those its def.yaml declares (a name it does not declare fails
at import). A behaviour-stable finding's values are a `DriftReport` and a fingerprint-stable finding's
a `FingerprintCheck` (audit.probes.drift.report): those models are the typed views of its values."""

from __future__ import annotations

from audit.probes.registry import declared_check

__all__ = ["BEHAVIOUR_CHECK", "FINGERPRINT_CHECK"]

BEHAVIOUR_CHECK = declared_check("drift", "behaviour-stable")
FINGERPRINT_CHECK = declared_check("drift", "fingerprint-stable")
