"""Review cases' root causes as a cause source of the Pareto view (`GET /v1/kpis/pareto?causes=root_causes`).

The composition root (service/app.py) hands it to the KPI endpoints: kpis sits below reviews and never imports it.
"""

from service.kpis.service import CauseSource
from service.reviews.repository import root_cause_counts
from service.standards.schema import Standard


def root_cause_labels(standard: Standard) -> dict[str, dict[str, str]]:
    """Each cause of the standard's taxonomy named in English and Chinese (its id where the standard names none)."""
    return {c.id: {lang: c.labels.get(lang, c.id) for lang in ("en", "zh")} for c in standard.review.root_causes}


ROOT_CAUSES = CauseSource(root_cause_counts, root_cause_labels)
