"""Real model servers for the test suite: llama-cpp-python's server and llama.cpp's llama-server,
serving tiny random-weight GGUF models that carry real tokenizers. See scripts/setup-real-servers.sh."""
