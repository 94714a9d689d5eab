"""The built-in classifier kind (`builtin`): TF-IDF and logistic regression trained on the project's own
labels, with calibrated scores for active learning. Importing the package registers the kind and its
training job (`ml.builtin.train`)."""

from labelwise.ml import kinds
from labelwise.ml.builtin import retrain, training
from labelwise.ml.builtin.kind import BuiltinClassifier, make

kinds.register("builtin", make)

__all__ = ["BuiltinClassifier", "make", "retrain", "training"]
