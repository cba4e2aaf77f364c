"""Tests of the web front end and JSON API (``transcript-judge serve``)."""
