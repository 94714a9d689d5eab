"""The web interface: server-rendered pages around the labeling screen, and the static files the browser runs.

Pages are Jinja2 templates filled from the same services the API uses; everything interactive is a plain ES
module under `static/` that talks to the REST API, so the pages never get a capability the API lacks.
"""
