"""The `llm` kind: any OpenAI-compatible chat API prompted to label tasks.

`client` speaks the protocol, `prompt` renders templates, `schema` and `parse` turn the config into the answer
asked for and the reply into results, `cache` keeps replies, `model` answers the contract, `evaluation` scores
a prompt version on gold tasks, `annotator` lets a connection annotate as a project member.
"""

from labelwise.ml import kinds
from labelwise.ml.llm.model import LlmModel, make

kinds.register("llm", make)

__all__ = ["LlmModel", "make"]
