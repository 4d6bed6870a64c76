"""Build-time tools: they write the engine's generated files and need the dev extra."""
