"""Real-server fixtures (llama-cpp-python's server, llama-server, tiny models); see tests.support.realserver.testing."""

from tests.support.realserver.testing import llama_cpp_server, llama_server, tiny_models, vocab_count  # noqa: F401
