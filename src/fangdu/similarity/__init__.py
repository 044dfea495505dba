"""The duplicate check: fingerprints of textile prints and their verified comparison.

Pure library: no web, no database. ``extract`` turns pixels into a ``Fingerprint`` (stored as
bytes); its ``global_vectors`` feed the shortlist search; ``compare`` verifies a query against
one reference; ``draw_explanation`` shows why. Thresholds are explained in
``fangdu.similarity.verify``.
"""

from fangdu.similarity._explain import draw_explanation
from fangdu.similarity._extract import extract
from fangdu.similarity._fingerprint import FINGERPRINT_VERSION, Fingerprint
from fangdu.similarity._model import DESCRIPTOR_DIM
from fangdu.similarity.types import Box, Match, Verdict
from fangdu.similarity.verify import COPY_THRESHOLD, SIMILAR_THRESHOLD, compare

__all__ = [
    "COPY_THRESHOLD",
    "DESCRIPTOR_DIM",
    "FINGERPRINT_VERSION",
    "SIMILAR_THRESHOLD",
    "Box",
    "Fingerprint",
    "Match",
    "Verdict",
    "compare",
    "draw_explanation",
    "extract",
]
