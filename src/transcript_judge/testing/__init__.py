"""Test doubles that ship with the package (the LLM seam's fakes live in ``llm.fake``)."""
