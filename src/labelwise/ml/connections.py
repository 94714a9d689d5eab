"""Model connections of a project (Label Studio's `/api/ml` resource), whatever their kind.

A row of `ml_backends` says which kind (`type`: remote, builtin, llm), where (`url`), how to log in and
what to pass along (`extra_params`); `model_for` turns it into a `Model` of that kind through
`ml.kinds`. Creating, changing or validating a connection asks the model for its health and setup and
stores the outcome as Label Studio's `state` (CO connected, ER error, ...) with `error_message`, so an
unreachable backend is saved and shown with the reason rather than refused. A URL the SSRF guard refuses
is a 400 naming `url`. Secrets (`basic_auth_pass`, `extra_params.api_key`) are sealed by `ml.secrets`,
write-only, and returned as `basic_auth_pass_is_set` and a mask.

No transaction is open while a model answers: the caller's reads are committed first (on SQLite a write
session holds the database lock from its first statement).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, object_session

from labelwise.db.base import utcnow
from labelwise.db.engine import begin_write
from labelwise.db.models import ML_TYPES, Annotation, MLBackend, Prediction, Project, Task, User
from labelwise.ml import kinds, secrets
from labelwise.ml.contract import Example, Model, ModelError, ProjectView
from labelwise.services import activity, checks
from labelwise.services.errors import Invalid, NotFound, Upstream
from labelwise.settings import Settings
from labelwise.storage import fetch

READABLE = {"CO": "Connected", "DI": "Disconnected", "ER": "Error", "TR": "Training", "PR": "Predicting"}
AUTH_METHODS = ("NONE", "BASIC_AUTH")
SECRET_PARAMS = ("api_key",)  # keys of extra_params stored sealed and shown masked
MAX_URL = 2048
MAX_TIMEOUT = 3600.0
FIELDS = (
    "project", "title", "description", "url", "type", "is_interactive", "auth_method", "basic_auth_user",
    "basic_auth_pass", "extra_params", "model_version", "timeout", "auto_update",
)  # fmt: skip
READ_ONLY = (
    "id",
    "state",
    "readable_state",
    "error_message",
    "basic_auth_pass_is_set",
    "created_at",
    "updated_at",
)


def out(row: MLBackend) -> dict[str, Any]:
    return {
        "id": row.id,
        "project": row.project_id,
        "title": row.title,
        "description": row.description,
        "url": row.url,
        "type": row.type,
        "state": row.state,
        "readable_state": READABLE.get(row.state, row.state),
        "error_message": row.error_message or None,
        "is_interactive": row.is_interactive,
        "auth_method": row.auth_method,
        "basic_auth_user": row.basic_auth_user or None,
        "basic_auth_pass_is_set": bool(row.basic_auth_pass),
        "extra_params": _masked(row.extra_params or {}),
        "model_version": row.model_version,
        "timeout": row.timeout,
        "auto_update": row.auto_update,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def _masked(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (secrets.MASK if k in SECRET_PARAMS and v else v) for k, v in params.items()}


def get(db: Session, ml_id: int) -> MLBackend:
    row = db.get(MLBackend, ml_id) if checks.is_id(ml_id) else None
    if row is None:
        raise NotFound(f"ML backend {ml_id} not found")
    return row


def project_for(db: Session, value: Any) -> Project:
    project_id = checks.optional_id(value, "project")
    if project_id is None:
        raise Invalid("project is required", {"project": ["required"]})
    project = db.get(Project, project_id)
    if project is None:
        raise Invalid(f"project {project_id} does not exist", {"project": [f"no project {project_id}"]})
    return project


def listing(db: Session, project: Project) -> list[MLBackend]:
    return list(
        db.scalars(select(MLBackend).where(MLBackend.project_id == project.id).order_by(MLBackend.id))
    )


def interactive(db: Session, project: Project) -> list[dict[str, Any]]:
    """The connections the editor may ask for one task ("Predict this task"): interactive and not in error."""
    query = (
        select(MLBackend.id, MLBackend.title)
        .where(
            MLBackend.project_id == project.id, MLBackend.is_interactive.is_(True), MLBackend.state != "ER"
        )
        .order_by(MLBackend.id)
    )
    return [{"id": i, "title": t} for i, t in db.execute(query)]


def find(db: Session, project: Project, name: str) -> MLBackend:
    """A connection of the project by id or by title (the command line's `--model NAME`)."""
    rows = listing(db, project)
    chosen = [r for r in rows if str(r.id) == name] or [r for r in rows if r.title == name]
    if len(chosen) != 1:
        known = ", ".join(f"{r.id} ({r.title})" for r in rows) or "none"
        what = "several connections are" if chosen else "no connection is"
        raise NotFound(f"{what} called {name!r} in project {project.id}; its connections: {known}")
    return chosen[0]


# The model behind a row.
def view_of(project: Project, row: MLBackend, settings: Settings) -> ProjectView:
    return ProjectView(
        project.id, project.label_config, project.title, _opened(row.extra_params or {}, settings)
    )


def _opened(params: dict[str, Any], settings: Settings) -> dict[str, Any]:
    opened = dict(params)
    for key in SECRET_PARAMS:
        if isinstance(opened.get(key), str):
            try:
                opened[key] = secrets.unseal(opened[key], settings)
            except secrets.SealError as exc:
                raise ModelError(f"extra_params.{key}: {exc}") from None
    return opened


def model_for(project: Project, row: MLBackend, settings: Settings) -> Model:
    """A Model of the row's kind; `ModelError` when the kind is not available or a secret is unreadable."""
    view = view_of(project, row, settings)
    auth = None
    if row.auth_method == "BASIC_AUTH":
        try:
            auth = (row.basic_auth_user, secrets.unseal(row.basic_auth_pass, settings))
        except secrets.SealError as exc:
            raise ModelError(f"basic_auth_pass: {exc}") from None
    try:
        make = kinds.factory(row.type)
    except ImportError:
        raise ModelError(f"type: the {row.type!r} kind of model is not installed here") from None
    return make(
        view,
        row.url,
        {
            **_llm_settings(project, row),
            "timeout": row.timeout,
            "basic_auth": auth,
            "extra_params": dict(view.params),
            "model_dir": str(settings.data_dir / "models" / str(row.id)),
            "connection_id": row.id,
            "model_version": row.model_version,
            "policy": fetch.Policy.from_settings(settings),
            "project_uid": f"{project.id}.{int(project.created_at.timestamp())}",
        },
    )


def _llm_settings(project: Project, row: MLBackend) -> dict[str, Any]:
    """An LLM's reply cache (the database's `llm_cache` table) and its few-shot examples (gold tasks)."""
    if row.type != "llm":
        return {}
    from labelwise.db.runtime import Database
    from labelwise.ml.llm import cache, evaluation

    db = object_session(project)
    if db is None:
        return {}
    bind = db.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    few_shot = (row.extra_params or {}).get("few_shot")
    count = few_shot if isinstance(few_shot, int) and not isinstance(few_shot, bool) else 0
    return {
        "cache": cache.SqlCache.of(Database.of(engine)),
        "examples": evaluation.gold_examples(db, project.id, min(count, 20)),
    }


def probe(project: Project, row: MLBackend, settings: Settings) -> tuple[str, str, str | None]:
    """(state, error message, model version from setup) after asking the model; never raises ModelError."""
    try:
        model = model_for(project, row, settings)
        model.health()
        version = model.setup()
    except ModelError as exc:
        return "ER", str(exc)[:4000], None
    return "CO", "", version or None


# Checking a body.
def _secret_params(value: Any, current: dict[str, Any], settings: Settings) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid("extra_params must be an object", {"extra_params": ["expected an object"]})
    if len(repr(value)) > 100_000:
        raise Invalid("extra_params is too large", {"extra_params": ["too large"]})
    params = dict(value)
    for key in SECRET_PARAMS:
        if key not in params:
            continue
        raw = params[key]
        if raw == secrets.MASK or raw is None:  # unchanged: keep the sealed value
            params[key] = current.get(key, "")
        elif isinstance(raw, str):
            params[key] = secrets.seal(checks.text(raw, f"extra_params.{key}", 4000), settings)
        else:
            raise Invalid(
                f"extra_params.{key} must be a string", {f"extra_params.{key}": ["expected a string"]}
            )
    return params


def _timeout(value: Any) -> float:
    number = checks.number(value, "timeout")
    if number is None or not 0 < number <= MAX_TIMEOUT:
        raise Invalid(
            f"timeout must be a number of seconds above 0, at most {MAX_TIMEOUT:g}", {"timeout": ["range"]}
        )
    return number


def _values(body: dict[str, Any], settings: Settings, current: MLBackend | None) -> dict[str, Any]:
    extra = sorted(set(body) - set(FIELDS) - set(READ_ONLY))
    if extra:
        raise Invalid(f"unknown field {extra[0][:60]!r}", {extra[0][:60]: ["unknown field"]})
    values: dict[str, Any] = {}
    if "type" in body and body["type"] is not None:
        kind = checks.text(body["type"], "type", 20)
        if kind not in ML_TYPES:
            raise Invalid(
                f"type must be one of {', '.join(ML_TYPES)}", {"type": [f"unknown type {kind[:20]!r}"]}
            )
        values["type"] = kind
    for name, limit in (
        ("title", 500),
        ("description", 10_000),
        ("model_version", 255),
        ("basic_auth_user", 255),
    ):
        if name in body:
            values[name] = "" if body[name] is None else checks.text(body[name], name, limit)
    for name in ("is_interactive", "auto_update"):
        if name in body:
            values[name] = checks.flag(
                body, name, getattr(current, name) if current else name == "auto_update"
            )
    if "auth_method" in body and body["auth_method"] is not None:
        method = checks.text(body["auth_method"], "auth_method", 20)
        if method not in AUTH_METHODS:
            raise Invalid(
                "auth_method must be NONE or BASIC_AUTH", {"auth_method": [f"unknown {method[:20]!r}"]}
            )
        values["auth_method"] = method
    if body.get("basic_auth_pass"):  # empty or null: keep the stored one (Label Studio's rule)
        values["basic_auth_pass"] = secrets.seal(
            checks.text(body["basic_auth_pass"], "basic_auth_pass", 1000), settings
        )
    if "timeout" in body and body["timeout"] is not None:
        values["timeout"] = _timeout(body["timeout"])
    if "extra_params" in body:
        values["extra_params"] = _secret_params(
            body["extra_params"], (current.extra_params or {}) if current else {}, settings
        )
    kind = values.get("type", current.type if current else "remote")
    if "url" in body or current is None:
        url = "" if body.get("url") is None else checks.text(body["url"], "url", MAX_URL).strip()
        if url:
            fetch.check_url(url, fetch.Policy.from_settings(settings))  # FetchError: a 400 naming `url`
        elif kind != "builtin":
            raise Invalid("url is required", {"url": ["required"]})
        values["url"] = url
    method = values.get("auth_method", current.auth_method if current else "NONE")
    if method == "BASIC_AUTH":
        user = values.get("basic_auth_user", current.basic_auth_user if current else "")
        password = values.get("basic_auth_pass", current.basic_auth_pass if current else "")
        if not user or not password:
            raise Invalid(
                "basic auth needs basic_auth_user and basic_auth_pass",
                {"basic_auth_pass" if user else "basic_auth_user": ["required for BASIC_AUTH"]},
            )
    return values


def _store_probe(db: Session, row: MLBackend, state: str, error: str, version: str | None) -> None:
    """Write what the model said into `row` in a write transaction (the caller commits)."""
    begin_write(db)
    row.state, row.error_message = state, error
    if version and (row.auto_update or not row.model_version):
        row.model_version = version
    row.updated_at = utcnow()


def _one_builtin(db: Session, project_id: int, kind: str, current_id: int | None) -> None:
    """One built-in classifier per project: its versions are named `builtin-<n>` and a training replaces the
    predictions of the older names, so a second one would delete the first one's predictions."""
    if kind != "builtin":
        return
    query = select(MLBackend.id).where(MLBackend.project_id == project_id, MLBackend.type == "builtin")
    if current_id is not None:
        query = query.where(MLBackend.id != current_id)
    other = db.scalar(query.limit(1))
    if other is not None:
        raise Invalid(
            f"type: project {project_id} already has a built-in classifier (connection {other}); "
            "change that one's settings instead",
            {"type": ["one built-in classifier per project"]},
        )


def create(db: Session, user: User, project: Project, body: dict[str, Any], settings: Settings) -> MLBackend:
    values = _values(body, settings, None)
    _one_builtin(db, project.id, values.get("type", "remote"), None)
    row = MLBackend(
        project_id=project.id, title="default", description="", type="remote", state="DI", error_message="",
        is_interactive=False, auth_method="NONE", basic_auth_user="", basic_auth_pass="", extra_params={},
        model_version="", auto_update=True, timeout=100.0, created_by_id=user.id,
    )  # fmt: skip
    for name, value in values.items():
        setattr(row, name, value)
    db.commit()  # no lock held while the model answers
    row.state, row.error_message, version = probe(project, row, settings)
    if version:
        row.model_version = version
    begin_write(db)
    db.add(row)
    db.flush()
    activity.record(
        db,
        user,
        "ml.created",
        "ml_backend",
        row.id,
        {"url": fetch.shown(row.url), "type": row.type},
        project.id,
    )
    db.commit()
    return row


def update(db: Session, row: MLBackend, user: User, body: dict[str, Any], settings: Settings) -> MLBackend:
    if "project" in body and checks.optional_id(body["project"], "project") != row.project_id:
        raise Invalid("a model connection cannot move to another project", {"project": ["cannot be changed"]})
    values = _values(body, settings, row)
    _one_builtin(db, row.project_id, values.get("type", row.type), row.id)
    project = db.get(Project, row.project_id)
    assert project is not None
    db.commit()
    for name, value in values.items():  # not flushed (no autoflush) until the write below
        setattr(row, name, value)
    state, error, version = probe(project, row, settings)
    _store_probe(db, row, state, error, None if "model_version" in values else version)
    activity.record(db, user, "ml.updated", "ml_backend", row.id, {"fields": sorted(values)}, row.project_id)
    db.commit()
    return row


def validate(db: Session, row: MLBackend, settings: Settings) -> MLBackend:
    """Ask the model again (health, setup) and store the state it is in."""
    project = db.get(Project, row.project_id)
    assert project is not None
    db.commit()
    _store_probe(db, row, *probe(project, row, settings))
    db.commit()
    return row


def delete(db: Session, row: MLBackend, user: User) -> None:
    begin_write(db)
    activity.record(
        db, user, "ml.deleted", "ml_backend", row.id, {"url": fetch.shown(row.url)}, row.project_id
    )
    db.delete(row)
    db.commit()


def set_state(db: Session, row_id: int, state: str, error: str = "") -> None:
    begin_write(db)
    row = db.get(MLBackend, row_id)
    if row is not None:
        row.state, row.error_message = state, error[:4000]
    db.commit()


def versions(db: Session, row: MLBackend) -> dict[str, Any]:
    """Label Studio's `/api/ml/{id}/versions`: the current version first, then those the project's
    predictions carry."""
    stored = db.scalars(
        select(Prediction.model_version).where(Prediction.project_id == row.project_id).distinct().limit(1000)
    )
    found = [row.model_version] if row.model_version else []
    found += sorted({v for v in stored if v and v != row.model_version})
    return {"versions": found, "message": ""}


MAX_EXAMPLES = 100_000


def examples(db: Session, project: Project, use_ground_truth: bool = True) -> list[Example]:
    """The project's submitted annotations as training examples, ground truth first (one query)."""
    query = (
        select(Task.id, Task.data, Annotation.result, Annotation.ground_truth)
        .join(Annotation, Annotation.task_id == Task.id)
        .where(Task.project_id == project.id, Annotation.was_cancelled.is_(False))
        .order_by(Annotation.ground_truth.desc(), Annotation.id)
        .limit(MAX_EXAMPLES)
    )
    if not use_ground_truth:
        query = query.where(Annotation.ground_truth.is_(False))
    return [
        Example({"id": tid, "data": data or {}}, result or [], bool(gt))
        for tid, data, result, gt in db.execute(query)
    ]


def train(
    db: Session, row: MLBackend, user: User, settings: Settings, use_ground_truth: bool = True
) -> MLBackend:
    """Label Studio's `/api/ml/{id}/train`. A remote backend is sent START_TRAINING and reads the
    annotations through the API itself; the other kinds get the examples. State TR while it runs."""
    project = db.get(Project, row.project_id)
    assert project is not None
    if row.type == "builtin":  # trained in the background: the job (`ml/builtin/training.py`) reports
        from labelwise.ml.builtin import training

        training.submit(db, row, user.id, use_ground_truth)
        return get(db, row.id)
    shown = [] if row.type == "remote" else examples(db, project, use_ground_truth)
    db.commit()
    set_state(db, row.id, "TR")
    try:
        version = model_for(project, row, settings).train(shown)
    except ModelError as exc:
        set_state(db, row.id, "ER", str(exc))
        raise Upstream(str(exc)) from None
    except BaseException:
        set_state(db, row.id, "CO")
        raise
    begin_write(db)
    row = get(db, row.id)
    row.state, row.error_message = "CO", ""
    if version:
        row.model_version = version[:255]
    activity.record(db, user, "ml.trained", "ml_backend", row.id, {"examples": len(shown)}, row.project_id)
    db.commit()
    return row
