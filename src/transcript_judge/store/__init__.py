"""The embedded SQLite store: cached model responses and the history of analyses.

One file, ``<home>/store.sqlite3``, where home is ``TJ_HOME`` or else the platform's user
data folder (``platformdirs.user_data_dir("transcript-judge")``).

Safe across concurrent runs (WAL, a busy timeout, short ``BEGIN IMMEDIATE`` writes; see
:mod:`.db`). The schema is versioned with ``PRAGMA user_version`` and migrated forward on
open (:mod:`.migrations`).

Schema (version 4)::

    responses(key TEXT PK, model, result JSON, created_at, hits, last_hit_at)
    endpoint_modes(endpoint TEXT PK, mode, updated_at)                 (since version 2)
    analyses(id TEXT PK, source_name, source_path, source_sha256, model, prompt_version,
             options JSON, status, chunks_planned, started_at, finished_at,
             resumed_from, report JSON)
    analysis_keys(analysis_id -> analyses.id ON DELETE CASCADE, key, PK(analysis_id, key))
    web_uploads(analysis_id PK -> analyses.id ON DELETE CASCADE, upload_name, error,
                heartbeat_at, question JSON)                           (since version 3)
    web_blobs(analysis_id -> web_uploads ON DELETE CASCADE, kind, data BLOB,
              PK(analysis_id, kind))                                   (since version 3)
    review_findings(analysis_id -> analyses.id ON DELETE CASCADE, criterion_id, decision,
                    verdict, note, reviewer, reviewed_at, PK(analysis_id, criterion_id))
    review_notes(analysis_id PK -> analyses.id ON DELETE CASCADE, note, reviewer,
                 reviewed_at)                                          (since version 4)

``responses`` is the cache (see :mod:`transcript_judge.llm.cache`; its rows are
:mod:`.cache`'s); ``analyses`` and ``analysis_keys`` are the history (see
:mod:`transcript_judge.history`); ``web_*`` are the web app's uploads (see
:mod:`transcript_judge.web.storage`); ``review_*`` are people's reviews (see
:mod:`.reviews`). The private-file helpers (:mod:`.files`) are the
tool's, for every file that holds a transcript or a report.

This package's names are imported from here (``from transcript_judge.store import
Store``) by the whole tool; its modules are how it is organised, not its interface.
"""

from .cache import Store
from .db import StoreError, now_iso
from .files import home_dir, open_private_append, private_dir, private_file, store_path, write_private_text
from .migrations import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "Store",
    "StoreError",
    "home_dir",
    "now_iso",
    "open_private_append",
    "private_dir",
    "private_file",
    "store_path",
    "write_private_text",
]
