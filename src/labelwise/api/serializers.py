"""JSON shapes of users and projects as Label Studio's API returns them."""

from __future__ import annotations

from typing import Any

from labelwise import labeling, policies
from labelwise.db.models import Project, User
from labelwise.services import distribution, projects, quality_control


def user_brief(u: User | None) -> dict[str, Any] | None:
    if u is None:
        return None
    return {
        "id": u.id,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "email": u.email,
        "username": u.username,
        "avatar": None,
    }


def user_simple(u: User) -> dict[str, Any]:
    """Label Studio's UserSimple: who created or changed something, where a full user is too much."""
    return {
        "id": u.id,
        "username": u.username,
        "email": u.email,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "avatar": None,
    }


# Label Studio's organization role codes, which the legacy SDK's User model insists on.
ROLE_CODES = {"owner": "OW", "admin": "AD", "manager": "MA", "reviewer": "RE", "annotator": "AN"}


def user(u: User) -> dict[str, Any]:
    return {
        "id": u.id,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "username": u.username,
        "email": u.email,
        "last_activity": u.last_activity or u.date_joined,
        "avatar": None,
        "initials": (u.first_name[:1] + u.last_name[:1] or u.email[:2]).upper(),
        "phone": "",
        "active_organization": 1,
        "allow_newsletters": False,
        "date_joined": u.date_joined,
        "role": u.role,
        "is_active": u.is_active,
        "org_membership": [
            {"role": ROLE_CODES.get(u.role, "NO"), "active": u.is_active, "organization_id": 1}
        ],
    }


def parsed_label_config(schema: labeling.Schema) -> dict[str, Any]:
    """Label Studio's `parsed_label_config`: per control, its type, targets, inputs and labels."""
    out: dict[str, Any] = {}
    for name, control in schema.controls.items():
        inputs = []
        for target in control.to_name:
            obj = schema.objects.get(target)
            if obj is not None:
                inputs.append({"type": obj.tag, "valueType": None, "value": obj.value_key or ""})
        labels = [o.value for o in control.options]
        out[name] = {
            "type": control.tag,
            "to_name": list(control.to_name),
            "inputs": inputs,
            "labels": labels,
            "labels_attrs": {o.value: {"value": o.value} for o in control.options},
        }
    return out


def project(p: Project, created_by: User | None = None) -> dict[str, Any]:
    try:
        schema = projects.schema(p)
        parsed = parsed_label_config(schema)
        has_controls = bool(schema.controls)
    except labeling.ConfigError:
        parsed, has_controls = {}, False
    return {
        "id": p.id,
        "title": p.title,
        "description": p.description,
        "label_config": p.label_config,
        "expert_instruction": p.expert_instruction,
        "show_instruction": p.show_instruction,
        "show_skip_button": p.show_skip_button,
        "enable_empty_annotation": p.enable_empty_annotation,
        "show_annotation_history": p.show_annotation_history,
        "organization": 1,
        "color": p.color,
        "maximum_annotations": p.maximum_annotations,
        "blind": policies.is_blind(p),
        "is_published": p.is_published,
        "model_version": p.model_version,
        "is_draft": p.is_draft,
        "created_by": user_brief(created_by),
        "created_at": p.created_at,
        "updated_at": p.updated_at,
        "min_annotations_to_start_training": 0,
        "start_training_on_annotation_update": False,
        "show_collab_predictions": True,
        "num_tasks_with_annotations": p.num_tasks_with_annotations,
        "task_number": p.task_number,
        "useful_annotation_number": p.total_annotations_number,
        "ground_truth_number": 0,
        "skipped_annotations_number": p.skipped_annotations_number,
        "total_annotations_number": p.total_annotations_number,
        "total_predictions_number": p.total_predictions_number,
        "sampling": p.sampling,
        "show_ground_truth_first": False,
        "show_overlap_first": False,
        "overlap_cohort_percentage": 100,
        "task_data_login": None,
        "task_data_password": None,
        "control_weights": {},
        "parsed_label_config": parsed,
        "evaluate_predictions_automatically": False,
        "config_has_control_tags": has_controls,
        "skip_queue": "REQUEUE_FOR_OTHERS",
        "reveal_preannotations_interactively": False,
        "pinned_at": None,
        "finished_task_number": p.num_tasks_with_annotations,
        "queue_total": p.task_number,
        "queue_done": p.num_tasks_with_annotations,
        "config_suitable_for_bulk_annotation": False,
        "workspace": None,
        "require_review": (p.settings or {}).get("require_review") is True,
        "aggregation": (p.settings or {}).get("aggregation") or {},
        **distribution.serialize(p),
        **quality_control.serialize(p),
    }
