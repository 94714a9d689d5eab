"""Agreement between annotators on categorical (and, for Krippendorff's alpha, ordered or numeric) labels.

Each metric is one module and one function over long-format votes; all of them work from the tasks x classes
count matrix or from sparse (annotator, label) x task indicators, so no loop runs over tasks or pairs in Python.
"""

from labelwise.quality.agreement.cohen import cohen_kappa_matrix
from labelwise.quality.agreement.fleiss import fleiss_kappa
from labelwise.quality.agreement.krippendorff import krippendorff_alpha
from labelwise.quality.agreement.percent import percent_agreement, task_agreement

__all__ = ["cohen_kappa_matrix", "fleiss_kappa", "krippendorff_alpha", "percent_agreement", "task_agreement"]
