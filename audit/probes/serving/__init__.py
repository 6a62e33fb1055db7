"""The serving probe kind: context window and silent truncation, output cap, sampling and effort, tool calls, streams."""
