# -*- coding: utf-8 -*-
"""The task record: defaults, validation, JSON round trip."""
from __future__ import absolute_import

import json

import pytest
import six
from hypothesis import given
from hypothesis import strategies as st

from senaite.queue.core.errors import InvalidTaskError
from senaite.queue.core.task import FIELD_NAMES
from senaite.queue.core.task import Task
from senaite.queue.core.task import is_uid
from senaite.queue.core.task import new_uid
from senaite.queue.core.task import path_segment
from senaite.queue.tests.unit.helpers import NOW
from senaite.queue.tests.unit.helpers import new_task
from senaite.queue.tests.unit.helpers import uid


def test_defaults():
    task = Task("task_x", "0", "/senaite")
    assert is_uid(task.task_uid, allow_portal=False)
    assert task.status is None
    assert task.error_message is None
    assert task.uids == []
    assert (task.min_seconds, task.max_seconds, task.priority) == (3, 120, 10)
    assert (task.retries, task.chunk_size, task.delay) == (3, 10, 0)
    assert task.unique is False and task.ghost is False
    assert task.username == ""
    assert task.action is None and task.slots is None and task.top_uid is None
    assert task.attempt == 0
    assert task.started is None and task.consumer_id is None
    assert task.finished is None
    assert isinstance(task.created, float)
    assert task.extra == {}


def test_new_uid_is_random_lowercase_hex():
    uids = set(new_uid() for _ in range(100))
    assert len(uids) == 100
    assert all(is_uid(value, allow_portal=False) for value in uids)


def test_caller_values_win_over_defaults():
    task = new_task(min_seconds=0, max_seconds=300, retries=0, chunk_size=0,
                    priority=50)
    assert (task.min_seconds, task.max_seconds) == (0, 300)
    assert (task.retries, task.chunk_size, task.priority) == (0, 0, 50)


def test_text_is_native_str():
    task = Task(u"task_x", u"0", b"/senaite/clients/client-1",
                username=u"analyst", uids=[u"a" * 32])
    for value in (task.name, task.context_path, task.username, task.uids[0]):
        assert type(value) is str


@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), (None, False), (1, True), (0, False),
    ("y", True), ("Yes", True), ("1", True), ("TRUE", True), ("on", True),
    ("n", False), ("no", False), ("0", False), ("false", False), ("", False),
])
def test_unique_accepts_truthy_strings(value, expected):
    assert new_task(unique=value).unique is expected


@pytest.mark.parametrize("fields, field, reason", [
    ({"name": None}, "name", "required"),
    ({"name": ""}, "name", "required"),
    ({"name": 5}, "name", "expected a string"),
    ({"context_uid": None}, "context_uid", "required"),
    ({"context_uid": "abc"}, "context_uid", "UID"),
    ({"context_uid": "A" * 32}, "context_uid", "UID"),
    ({"context_uid": "a" * 32 + "\n"}, "context_uid", "UID"),
    ({"context_path": None}, "context_path", "required"),
    ({"context_path": "senaite/x"}, "context_path", "absolute"),
    ({"task_uid": "0"}, "task_uid", "UID"),
    ({"task_uid": "xyz"}, "task_uid", "UID"),
    ({"uids": "a" * 32}, "uids", "list"),
    ({"uids": ["a" * 32, "nope"]}, "uids[1]", "UID"),
    ({"created": "now"}, "created", "epoch"),
    ({"created": -1}, "created", ">= 0"),
    ({"created": float("nan")}, "created", "finite"),
    ({"status": "done"}, "status", "queued, running, failed"),
    ({"min_seconds": 31}, "min_seconds", "<= 30"),
    ({"min_seconds": -1}, "min_seconds", ">= 0"),
    ({"max_seconds": 0}, "max_seconds", ">= 1"),
    ({"max_seconds": "120"}, "max_seconds", "integer"),
    ({"priority": 1.5}, "priority", "integer"),
    ({"retries": -1}, "retries", ">= 0"),
    ({"retries": True}, "retries", "integer"),
    ({"unique": "maybe"}, "unique", "boolean"),
    ({"ghost": 2}, "ghost", "boolean"),
    ({"chunk_size": -2}, "chunk_size", ">= 0"),
    ({"username": ["x"]}, "username", "string"),
    ({"slots": 3}, "slots", "list"),
    ({"slots": [{"a": 1}]}, "slots[0]", "number"),
    ({"delay": -5}, "delay", ">= 0"),
    ({"top_uid": "x"}, "top_uid", "UID"),
    ({"attempt": -1}, "attempt", ">= 0"),
    ({"started": "x"}, "started", "epoch"),
    ({"free": object()}, "free", "JSON"),
])
def test_validation_names_field_and_reason(fields, field, reason):
    data = new_task().to_dict()
    data.update(fields)
    with pytest.raises(InvalidTaskError) as exc:
        Task.from_dict(data)
    assert exc.value.field == field
    assert reason in str(exc.value)
    assert isinstance(exc.value, ValueError)


def test_from_dict_refuses_non_dict():
    with pytest.raises(InvalidTaskError):
        Task.from_dict(["name"])


def test_integral_float_is_accepted_as_int():
    assert new_task(priority=20.0).priority == 20


def test_extra_keys_are_kept():
    task = new_task(comment="hello", options={"a": [1, 2]})
    assert task.extra == {"comment": "hello", "options": {"a": [1, 2]}}
    assert task.get("comment") == "hello"
    assert task.get("priority") == 10
    assert task.get("missing", "x") == "x"


def test_round_trip_through_json():
    task = new_task(uids=[uid(), uid()], action="submit", slots=[1, "2"],
                    unique="yes", ghost=True, delay=5, top_uid=uid(),
                    username="analyst", note=u"caf\xe9", attempt=2,
                    started=NOW + 1, consumer_id="http://localhost:8089")
    text = json.dumps(task.to_dict())
    again = Task.from_dict(json.loads(text))
    assert again == task
    assert again.to_dict() == task.to_dict()
    assert not (again != task)


def test_to_dict_is_a_copy():
    task = new_task(uids=[uid()], options={"a": [1]})
    data = task.to_dict()
    data["uids"].append(uid())
    data["options"]["a"].append(2)
    assert len(task.uids) == 1 and task.extra["options"] == {"a": [1]}


def test_equality_compares_all_fields():
    task = new_task()
    other = Task.from_dict(dict(task.to_dict(), priority=11))
    assert task != other
    assert task != task.to_dict()


@pytest.mark.parametrize("path, segment", [
    ("/senaite/worksheets/WS-1", "WS-1"),
    ("/senaite/clients/client-1/W-0001", "client-1"),
    ("/senaite/worksheets", ""),
    ("/senaite", ""),
    ("/", ""),
])
def test_path_segment(path, segment):
    assert path_segment(path) == segment
    assert new_task(path=path).segment == segment


def test_short_uid_and_repr():
    task = new_task()
    assert task.short_uid == task.task_uid[:9]
    assert task.short_uid in repr(task)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.text(max_size=5), children, max_size=3),
    max_leaves=5)
hex_uid = st.text("0123456789abcdef", min_size=32, max_size=32)


@given(
    name=st.text(min_size=1, max_size=20).filter(lambda s: s.strip()),
    uids=st.lists(hex_uid, max_size=4),
    priority=st.integers(-100, 100),
    retries=st.integers(0, 10),
    chunk_size=st.integers(0, 50),
    created=st.floats(0, 4e9, allow_nan=False),
    extra=st.dictionaries(
        st.text(min_size=1, max_size=8).filter(
            lambda k: k not in FIELD_NAMES),
        json_values, max_size=3),
)
def test_round_trip_property(name, uids, priority, retries, chunk_size,
                             created, extra):
    task = Task(name, "0", "/senaite/x", uids=uids, priority=priority,
                retries=retries, chunk_size=chunk_size, created=created,
                **dict((six.ensure_str(k), v) for k, v in extra.items()))
    assert Task.from_dict(json.loads(json.dumps(task.to_dict()))) == task


def test_a_task_reads_as_a_mapping():
    task = new_task(uids=[uid(1)], ghost=True, note="mine")
    assert task["uids"] == [uid(1)]
    assert task["note"] == "mine"
    assert task.get("ghost") is True
    assert "delay" in task and "note" in task
    assert "nothing" not in task
    with pytest.raises(KeyError):
        task["nothing"]
    data = dict(task)
    assert data == task.to_dict()
    assert sorted(task) == sorted(data)
    assert len(task) == len(data)
    assert dict(task.items()) == data
    assert sorted(task.values(), key=repr) == sorted(data.values(), key=repr)
