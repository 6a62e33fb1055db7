"""A local reference endpoint: an OpenAI- and Anthropic-compatible model API on 127.0.0.1 whose
tokenizer, template overhead, persona, versions, latency and faults come from a YAML profile.

    from audit.reference import ReferenceServer, load_profile
    with ReferenceServer("default", latency={"fixed_ms": 100}) as server:
        server.base_url   # http://127.0.0.1:PORT/v1
"""

from audit.reference.profile import FAULT_KINDS, Profile, list_profiles, load_profile
from audit.reference.server import ReferenceServer, RequestLog, RequestRecord, is_loopback
from audit.reference.tokenizer import counting_tokenizer

__all__ = ["ReferenceServer", "RequestLog", "RequestRecord", "Profile", "load_profile", "list_profiles",
           "counting_tokenizer", "is_loopback", "FAULT_KINDS"]
