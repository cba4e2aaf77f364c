"""``python -m transcript_judge``: the same as the ``transcript-judge`` command."""

from .cli import main

if __name__ == "__main__":
    main()
