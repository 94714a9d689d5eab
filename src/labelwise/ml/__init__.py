"""Model connections: remote Label Studio ML backends, the built-in classifier, OpenAI-compatible LLMs.

Every kind of connection answers the one contract in `ml/contract.py`, so the API (`/api/ml`), the
pre-annotation runs and the quality engine treat them alike: a model is one more annotator.
"""
