"""Real-server fixtures for the serving tests (tests.support.realserver.serving); the reference-endpoint tests
start their own servers."""

from tests.support.realserver.serving import (litellm_over_llama_server, llama_server_ctx2048,  # noqa: F401
                                             llama_server_ctx2048_shift, llama_server_tools)
from tests.support.realserver.testing import tiny_models  # noqa: F401
