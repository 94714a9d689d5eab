"""Agreement between two annotators' regions (spans, boxes, polygons, keypoints) and free answers (texts,
ratings, numbers, multi-label choices), and the task-level agreement as the mean over annotator pairs.

Regions are matched one to one with the assignment that maximizes total similarity (scipy's
`linear_sum_assignment`); a matched pair counts when it clears the kind's threshold and carries the same
label, and the pair's score is the F1 of those matches, as Label Studio Enterprise scores region agreement.
"""

from labelwise.quality.regions.pairwise import task_agreement_of
from labelwise.quality.regions.scores import (
    box_f1,
    jaccard,
    keypoint_f1,
    number_similarity,
    polygon_f1,
    span_f1,
    text_similarity,
)

__all__ = [
    "box_f1",
    "jaccard",
    "keypoint_f1",
    "number_similarity",
    "polygon_f1",
    "span_f1",
    "task_agreement_of",
    "text_similarity",
]
