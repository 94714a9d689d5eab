"""label-studio-sdk 2.x project members against a live server: add, list (paginated), remove, and the
membership deciding what an annotator's own SDK client can see."""

from __future__ import annotations

from typing import Any

import pytest
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError
from sqlalchemy.orm import Session

from labelwise.services import users

from ._scenario import LABEL_CONFIG, unique_title

pytestmark = pytest.mark.compat


def test_members_added_listed_and_removed_by_the_sdk(live_server: Any, db: Session) -> None:
    ls = LabelStudio(base_url=live_server.url, api_key=live_server.token)
    project = ls.projects.create(title=unique_title("members"), label_config=LABEL_CONFIG)
    assert project.id is not None
    person = users.create(db, "sdk-annotator@example.com", "password-123", "annotator")
    as_person = LabelStudio(base_url=live_server.url, api_key=person.token)
    with pytest.raises(ApiError) as denied:
        as_person.projects.get(project.id)
    assert denied.value.status_code == 404

    added = ls.projects.members.add(project.id, user=person.id)
    assert added.user == person.id
    listed = list(ls.projects.members.paginated.list(project.id))
    assert [(m.id, m.email, m.project_role) for m in listed] == [(person.id, person.email, "annotator")]
    assert as_person.projects.get(project.id).id == project.id
    assert [p.id for p in as_person.projects.list()] == [project.id]

    ls.projects.members.remove(project.id, user=person.id)
    assert list(ls.projects.members.paginated.list(project.id)) == []
    with pytest.raises(ApiError) as gone:
        as_person.projects.get(project.id)
    assert gone.value.status_code == 404
