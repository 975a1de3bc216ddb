# -*- coding: utf-8 -*-
"""The rules of the persistent queue, one test (or a few) per rule."""
from __future__ import absolute_import

import pytest

from senaite.queue.core.errors import InvalidArgumentError
from senaite.queue.core.errors import StaleAckError
from senaite.queue.core.errors import TaskNotFoundError
from senaite.queue.core.errors import TaskStatusError
from senaite.queue.core.storage import COMPACT_AT
from senaite.queue.core.storage import CONTENDED_SECONDS
from senaite.queue.core.storage import TaskQueue
from senaite.queue.core.storage import conflict_delay
from senaite.queue.core.task import Task
from senaite.queue.core.token import mint
from senaite.queue.core.token import verify
from senaite.queue.tests.unit.helpers import NOW
from senaite.queue.tests.unit.helpers import new_task
from senaite.queue.tests.unit.helpers import check_invariants
from senaite.queue.tests.unit.helpers import object_index
from senaite.queue.tests.unit.helpers import open_connection
from senaite.queue.tests.unit.helpers import stored_uids
from senaite.queue.tests.unit.helpers import uid

ALL = ["queued", "running", "failed", "ghost"]
C1 = "http://localhost:8089"
C2 = "http://localhost:8091"


def snapshot(queue):
    tasks = sorted((t.to_dict() for t in queue.get_tasks(ALL)),
                   key=lambda d: d["task_uid"])
    return tasks, queue.counts(), object_index(queue)


def pop_uid(queue, consumer=C1, now=NOW + 1, **kw):
    task = queue.pop(consumer, now=now, **kw)
    return task and task.task_uid


# -- add ------------------------------------------------------------------

def test_add_returns_a_queued_copy(queue):
    task = new_task()
    added = queue.add(task)
    assert added.status == "queued" and task.status is None
    assert added.task_uid == task.task_uid
    assert len(queue) == 1 and queue.counts()["queued"] == 1
    assert queue.get_task(task.task_uid) == added


def test_add_accepts_a_dict_and_validates(queue):
    assert queue.add(new_task().to_dict()).status == "queued"
    with pytest.raises(InvalidArgumentError):
        queue.add("task")
    with pytest.raises(InvalidArgumentError):
        queue.add(new_task(), top_priority="task_test")


def test_add_revalidates_a_mutated_task(queue):
    task = new_task()
    task.priority = "high"
    with pytest.raises(InvalidArgumentError):
        queue.add(task)
    assert len(queue) == 0


def test_add_ignores_a_duplicate_task_uid(queue):
    task = new_task()
    queue.add(task)
    assert queue.add(Task.from_dict(dict(task.to_dict(), priority=1))) is None
    assert len(queue) == 1 and queue.get_task(task.task_uid).priority == 10


def test_add_forces_status_queued_and_keeps_attempt(queue):
    task = new_task(status="failed", attempt=3)
    added = queue.add(task)
    assert (added.status, added.attempt) == ("queued", 3)


def test_unique_refused_while_a_queued_twin_exists(queue):
    context = uid()
    assert queue.add(new_task("a", context, unique=True))
    assert queue.add(new_task("a", context, unique=True)) is None
    # not unique, other name or other context: added
    assert queue.add(new_task("a", context))
    assert queue.add(new_task("b", context, unique=True))
    assert queue.add(new_task("a", uid(), unique=True))


def test_unique_ignores_running_and_failed_tasks(queue):
    context = uid()
    first = queue.add(new_task("a", context, unique=True, retries=0))
    queue.pop(C1, now=NOW + 1)
    # running: a continuation of the running task can be queued
    second = queue.add(new_task("a", context, unique=True))
    assert second is not None
    queue.fail(first.task_uid, 1, "boom", now=NOW + 2)
    assert queue.get_task(first.task_uid).status == "failed"
    queue.delete(second.task_uid)
    # failed only: added
    assert queue.add(new_task("a", context, unique=True)) is not None


def test_unique_matches_the_context_not_the_uids(queue):
    obj = uid()
    queue.add(new_task("a", uid(), uids=[obj]))
    assert queue.add(new_task("a", obj, unique=True)) is not None


# -- ordering -------------------------------------------------------------

def test_order_is_created_plus_300_times_priority(queue):
    late_urgent = queue.add(new_task(created=NOW + 299, priority=9))
    early = queue.add(new_task(created=NOW, priority=10))
    later = queue.add(new_task(created=NOW + 301, priority=9))
    assert [t.task_uid for t in queue.get_tasks("queued")] == [
        late_urgent.task_uid, early.task_uid, later.task_uid]
    assert pop_uid(queue, now=NOW + 400) == late_urgent.task_uid


def test_order_ties_break_on_context_uid(queue):
    second = queue.add(new_task(context_uid=uid(2000)))
    first = queue.add(new_task(context_uid=uid(1000)))
    same_context = queue.add(new_task(context_uid=uid(1000)))
    order = [t.task_uid for t in queue.get_tasks("queued")]
    assert order[-1] == second.task_uid
    assert set(order[:2]) == set([first.task_uid, same_context.task_uid])


def test_top_priority_by_name_then_action(queue):
    top = ["task_action_unassign", "submit"]
    plain = queue.add(new_task("task_other", created=NOW - 1000), top)
    by_action = queue.add(new_task("task_generic_action", action="submit",
                                   created=NOW), top)
    by_name = queue.add(new_task("task_action_unassign", created=NOW + 10),
                        top)
    assert [t.task_uid for t in queue.get_tasks("queued")] == [
        by_name.task_uid, by_action.task_uid, plain.task_uid]


def test_top_priority_rank_is_fixed_at_add(queue):
    first = queue.add(new_task("task_b", created=NOW + 5), ["task_b"])
    second = queue.add(new_task("task_a", created=NOW), ["task_a"])
    # both rank 0, so age decides; the second list did not re-rank task_b
    assert [t.task_uid for t in queue.get_tasks("queued")] == [
        second.task_uid, first.task_uid]


# -- delay ----------------------------------------------------------------

def test_delay_is_honoured(queue):
    delayed = queue.add(new_task(delay=5, created=NOW - 100))
    plain = queue.add(new_task(created=NOW - 98))
    # the delayed task comes first in order, but is skipped until its time
    assert pop_uid(queue, C1, now=NOW - 96) == plain.task_uid
    assert pop_uid(queue, C2, now=NOW - 96) is None
    assert pop_uid(queue, C2, now=NOW - 95) == delayed.task_uid


# -- ghosts ---------------------------------------------------------------

def test_ghost_tasks_are_hidden_unless_asked_for(queue):
    obj = uid()
    ghost = queue.add(new_task(uids=[obj], ghost=True))
    assert queue.get_tasks() == []
    assert queue.get_uids() == []
    assert queue.get_tasks_for(obj) == []
    assert not queue.is_queued(obj)
    assert queue.search(uid=obj) == []
    assert queue.get_tasks(["queued", "ghost"]) == [ghost]
    assert queue.get_tasks("ghost") == [ghost]
    assert obj in queue.get_uids(["ghost"])
    assert queue.get_tasks_for(obj, status=["ghost"]) == [ghost]
    assert queue.is_queued(obj, status=["queued", "ghost"])
    # but it is a task like any other: counted, popped, fetched by uid
    assert len(queue) == 1
    assert queue.get_task(ghost.task_uid) == ghost
    assert pop_uid(queue) == ghost.task_uid


# -- concurrency rules ----------------------------------------------------

def test_one_running_task_per_name_and_segment(queue):
    ws1 = "/senaite/worksheets/WS-1"
    running = queue.add(new_task("task_submit", path=ws1, created=NOW))
    blocked = queue.add(new_task("task_submit", path=ws1, created=NOW + 1))
    other_name = queue.add(new_task("task_verify", path=ws1,
                                    created=NOW + 2))
    other_segment = queue.add(new_task(
        "task_submit", path="/senaite/worksheets/WS-2", created=NOW + 3))
    now = NOW + 10
    assert pop_uid(queue, "c1", now=now) == running.task_uid
    assert pop_uid(queue, "c2", now=now) == other_name.task_uid
    assert pop_uid(queue, "c3", now=now) == other_segment.task_uid
    assert pop_uid(queue, "c4", now=now) is None
    queue.done(running.task_uid, 1, now=now)
    assert pop_uid(queue, "c4", now=now) == blocked.task_uid


def test_empty_segment_never_blocks(queue):
    first = queue.add(new_task("task_x", path="/senaite/clients"))
    second = queue.add(new_task("task_x", path="/senaite/clients"))
    assert pop_uid(queue, "c1") == first.task_uid
    assert pop_uid(queue, "c2") == second.task_uid


def test_same_segment_under_different_folders_blocks(queue):
    queue.add(new_task("task_x", path="/senaite/clients/client-1/W-1"))
    queue.add(new_task("task_x", path="/senaite/clients/client-1/W-2"))
    assert pop_uid(queue, "c1") is not None
    assert pop_uid(queue, "c2") is None


def test_at_most_max_consumers_running(queue):
    for _ in range(6):
        queue.add(new_task())
    uids = [pop_uid(queue, "consumer-{}".format(i)) for i in range(6)]
    assert len([u for u in uids if u]) == 4 and uids[4:] == [None, None]
    assert queue.counts()["running"] == 4
    queue.done(uids[0], 1, now=NOW + 2)
    assert pop_uid(queue, "consumer-4", now=NOW + 3) is not None
    assert pop_uid(queue, "consumer-9", now=NOW + 3, max_consumers=6)
    assert pop_uid(queue, "consumer-8", now=NOW + 3, max_consumers=6) is None
    with pytest.raises(InvalidArgumentError):
        queue.pop("consumer-1", max_consumers=0)


def test_pop_validates_consumer_id(queue):
    for bad in (None, "", "  ", 5):
        with pytest.raises(InvalidArgumentError):
            queue.pop(bad)


def test_pop_fails_the_task_a_consumer_still_holds(queue):
    held = queue.add(new_task(created=NOW))
    nxt = queue.add(new_task(created=NOW + 1))
    assert pop_uid(queue, C1, now=NOW + 2) == held.task_uid
    # C1 pops again: what it held is dead; it gets the next task
    assert pop_uid(queue, C1, now=NOW + 3) == nxt.task_uid
    purged = queue.get_task(held.task_uid)
    assert purged.status == "queued"
    assert purged.error_message == "Purged on pop ({})".format(C1)
    assert (purged.retries, purged.delay, purged.created) == (2, 5, NOW + 3)
    assert queue.counts()["running"] == 1
    # its late ack is refused
    with pytest.raises(TaskStatusError):
        queue.done(held.task_uid, 1, now=NOW + 4)


def test_pop_returns_none_on_an_empty_queue(queue):
    assert queue.pop(C1, now=NOW) is None
    assert queue.statistics(now=NOW)["consumers"] == {C1: NOW}


# -- pop, attempts, leases ------------------------------------------------

def test_pop_leases_the_task(queue):
    queue.add(new_task(max_seconds=60))
    task = queue.pop(C1, now=NOW + 1)
    assert (task.status, task.attempt) == ("running", 1)
    assert (task.started, task.consumer_id) == (NOW + 1, C1)
    assert queue.counts() == {"queued": 0, "running": 1, "failed": 0,
                              "done": 0}
    stats = queue.statistics(now=NOW + 2)
    assert stats["leases"] == queue.leases() == {task.task_uid: {
        "expires": NOW + 61, "consumer_id": C1, "attempt": 1}}


def test_attempt_grows_with_every_pop(queue):
    task = queue.add(new_task())
    for attempt in range(1, 4):
        now = NOW + attempt * 100
        popped = queue.pop(C1, now=now)
        assert popped.attempt == attempt
        queue.fail(task.task_uid, attempt, "x", now=now)


def test_expired_leases_are_purged_on_every_pop(queue):
    stuck = queue.add(new_task(max_seconds=60, created=NOW))
    queue.add(new_task(created=NOW + 1))
    queue.add(new_task(created=NOW + 2))
    assert pop_uid(queue, C1, now=NOW + 10) == stuck.task_uid
    # the lease ends at NOW + 70; queued tasks exist, purge runs anyway
    pop_uid(queue, C2, now=NOW + 70)
    assert queue.get_task(stuck.task_uid).status == "running"
    queue.pop("c3", now=NOW + 70.5)
    purged = queue.get_task(stuck.task_uid)
    assert (purged.status, purged.error_message) == ("queued", "Timeout")
    assert (purged.max_seconds, purged.retries) == (90, 2)


def test_purge_returns_what_it_timed_out(queue):
    task = queue.add(new_task(max_seconds=30))
    queue.pop(C1, now=NOW)
    assert queue.purge(now=NOW + 30) == []
    purged = queue.purge(now=NOW + 31)
    assert [t.task_uid for t in purged] == [task.task_uid]
    assert purged[0].error_message == "Timeout"
    assert queue.counts()["running"] == 0


# -- done -----------------------------------------------------------------

def test_done_removes_the_task(queue):
    obj = uid()
    task = queue.add(new_task(uids=[obj]))
    queue.pop(C1, now=NOW + 1)
    done = queue.done(task.task_uid, 1, now=NOW + 2)
    assert (done.status, done.finished) == (None, NOW + 2)
    assert not queue.has_task(task.task_uid)
    assert queue.get_task(task.task_uid) is None
    assert not queue.is_queued(obj) and not queue.is_queued(task.context_uid)
    assert not queue.is_queued(obj, status=ALL)
    assert queue.counts() == {"queued": 0, "running": 0, "failed": 0,
                              "done": 1}
    check_invariants(queue)
    # its record and index entries go at the next compaction
    assert queue.compact() == 1
    assert object_index(queue) == set() and stored_uids(queue) == set()
    check_invariants(queue)


def test_pop_compacts_removed_tasks_in_batches(queue):
    for _ in range(COMPACT_AT):
        task = queue.add(new_task(path="/senaite"))
        queue.pop(C1, now=NOW + 1)
        queue.done(task.task_uid, 1, now=NOW + 2)
    assert len(queue._trash) == COMPACT_AT
    queue.pop(C1, now=NOW + 3)
    assert len(queue._trash) == 0 and object_index(queue) == set()
    check_invariants(queue)


def test_a_removed_task_uid_can_be_added_again(queue):
    task = queue.add(new_task(uids=[uid()]))
    queue.delete(task.task_uid)
    again = queue.add(Task.from_dict(dict(task.to_dict(), uids=[])))
    assert again.status == "queued" and again.uids == []
    assert queue.get_tasks() == [again]
    check_invariants(queue)


# -- acks: stale, wrong status, unknown -----------------------------------

@pytest.mark.parametrize("ack", ["done", "fail", "timeout"])
def test_stale_ack_never_touches_a_redispatched_task(queue, ack):
    task = queue.add(new_task(max_seconds=30))
    queue.pop(C1, now=NOW)
    queue.purge(now=NOW + 31)  # lease 1 expired: queued again
    assert pop_uid(queue, C2, now=NOW + 40) == task.task_uid  # lease 2
    before = snapshot(queue)
    with pytest.raises(StaleAckError) as exc:
        if ack == "fail":
            queue.fail(task.task_uid, 1, "late", now=NOW + 41)
        else:
            getattr(queue, ack)(task.task_uid, 1, now=NOW + 41)
    assert (exc.value.attempt, exc.value.current_attempt) == (1, 2)
    assert exc.value.status == "running"
    assert isinstance(exc.value, TaskStatusError)
    assert snapshot(queue) == before


@pytest.mark.parametrize("ack", ["done", "fail", "timeout"])
def test_ack_for_a_task_that_is_not_running_is_refused(queue, ack):
    task = queue.add(new_task(max_seconds=30))
    queue.pop(C1, now=NOW)
    queue.purge(now=NOW + 31)  # queued again, attempt still 1
    before = snapshot(queue)
    with pytest.raises(TaskStatusError) as exc:
        getattr(queue, ack)(task.task_uid, 1, now=NOW + 32)
    assert not isinstance(exc.value, StaleAckError)
    assert "not running" in str(exc.value)
    assert snapshot(queue) == before


def test_ack_errors_for_unknown_or_malformed_input(queue):
    task = queue.add(new_task())
    queue.pop(C1, now=NOW + 1)
    with pytest.raises(TaskNotFoundError) as exc:
        queue.done(uid(), 1)
    assert isinstance(exc.value, LookupError)
    for bad_uid in ("0", "nope", None, "A" * 32):
        with pytest.raises(InvalidArgumentError):
            queue.done(bad_uid, 1)
    for bad_attempt in (0, "1", None, True):
        with pytest.raises(InvalidArgumentError):
            queue.done(task.task_uid, bad_attempt)
    with pytest.raises(InvalidArgumentError):
        queue.fail(task.task_uid, 1, error_message=["x"])
    assert queue.get_task(task.task_uid).status == "running"


def test_a_duplicate_done_is_refused(queue):
    task = queue.add(new_task())
    queue.pop(C1, now=NOW + 1)
    queue.done(task.task_uid, 1, now=NOW + 2)
    with pytest.raises(TaskNotFoundError):
        queue.done(task.task_uid, 1, now=NOW + 3)
    assert queue.counts()["done"] == 1


# -- fail, timeout, retries -----------------------------------------------

def test_fail_requeues_with_fewer_retries(queue):
    task = queue.add(new_task(chunk_size=10, max_seconds=120))
    queue.pop(C1, now=NOW + 1)
    failed = queue.fail(task.task_uid, 1, "Boom!", now=NOW + 50)
    assert failed.status == "queued"
    assert (failed.retries, failed.chunk_size, failed.delay) == (2, 5, 5)
    assert (failed.created, failed.error_message) == (NOW + 50, "Boom!")
    assert failed.max_seconds == 120
    assert queue.counts()["queued"] == 1
    # created moved and delay applies: not poppable for 5 s
    assert queue.pop(C1, now=NOW + 54) is None
    assert queue.pop(C1, now=NOW + 55).attempt == 2


def test_worked_retry_timeout_table(queue):
    """REFERENCE §2.7: max_retries=3, max_seconds 120, chunk 10."""
    task = queue.add(new_task(retries=3, max_seconds=120, chunk_size=10))
    expected = [
        ("queued", 2, 180, 5, 5),
        ("queued", 1, 270, 3, 5),
        ("queued", 0, 405, 2, 5),
        ("failed", 0, 608, 2, 5),
    ]
    now = NOW
    for attempt, row in enumerate(expected, 1):
        now += 1000
        assert queue.pop(C1, now=now).attempt == attempt
        result = queue.timeout(task.task_uid, attempt, now=now + 1)
        assert (result.status, result.retries, result.max_seconds,
                result.chunk_size, result.delay) == row
        assert result.error_message == "Timeout"
    assert queue.get_tasks("failed") == [result]
    assert queue.counts()["failed"] == 1 and len(queue) == 0


def test_worked_table_with_plain_failures_keeps_max_seconds(queue):
    task = queue.add(new_task(retries=3, max_seconds=120, chunk_size=10))
    now = NOW
    rows = []
    for attempt in range(1, 5):
        now += 1000
        queue.pop(C1, now=now)
        result = queue.fail(task.task_uid, attempt, "err", now=now)
        rows.append((result.retries, result.max_seconds, result.chunk_size))
    assert rows == [(2, 120, 5), (1, 120, 3), (0, 120, 2), (0, 120, 2)]
    assert result.status == "failed"


def test_max_retries_zero_means_no_retry(queue):
    task = queue.add(new_task(retries=0))
    queue.pop(C1, now=NOW + 1)
    failed = queue.fail(task.task_uid, 1, "once", now=NOW + 2)
    assert (failed.status, failed.error_message) == ("failed", "once")
    assert queue.pop(C1, now=NOW + 100) is None


def test_chunk_size_zero_stays_zero(queue):
    task = queue.add(new_task(chunk_size=0))
    queue.pop(C1, now=NOW + 1)
    assert queue.fail(task.task_uid, 1, now=NOW + 2).chunk_size == 0


def test_failed_pool_keeps_failed_tasks(queue):
    obj = uid()
    task = queue.add(new_task(retries=0, uids=[obj]))
    queue.pop(C1, now=NOW + 1)
    queue.fail(task.task_uid, 1, "bad", now=NOW + 2)
    assert queue.get_tasks() == []
    assert [t.task_uid for t in queue.get_tasks("failed")] == [task.task_uid]
    assert not queue.is_queued(obj)
    assert queue.is_queued(obj, status="failed")
    assert queue.get_uids("failed") == sorted([obj, task.context_uid])
    assert queue.counts()["failed"] == 1 and len(queue) == 0


# -- conflicts ------------------------------------------------------------

def lose_conflict(queue, task_uid, attempt, now, **kw):
    return queue.conflict(task_uid, attempt, "ConflictError on /senaite/x", now=now, **kw)


def test_conflict_requeues_without_spending_retries(queue):
    objs = [uid() for _ in range(8)]
    task = queue.add(new_task(chunk_size=4, retries=3, uids=objs, min_seconds=3))
    queue.pop(C1, now=NOW + 1)
    waiting = lose_conflict(queue, task.task_uid, 1, NOW + 2)
    assert waiting.status == "queued"
    assert (waiting.retries, waiting.chunk_size, waiting.conflicts) == (3, 2, 1)
    assert waiting.min_seconds == 3
    assert waiting.contended_until == NOW + 2 + waiting.delay + CONTENDED_SECONDS
    assert waiting.conflict_since == NOW + 2 and waiting.created == NOW + 2
    assert 1 <= waiting.delay <= 2
    assert waiting.uids == objs
    assert "ConflictError on /senaite/x" in waiting.error_message
    assert queue.counts()["queued"] == 1 and queue.counts()["failed"] == 0
    check_invariants(queue)
    assert queue.pop(C1, now=NOW + 2 + waiting.delay).attempt == 2


def test_conflict_delay_grows_within_bounds():
    for conflicts, low, high in ((1, 1, 2), (2, 2, 4), (3, 4, 8), (4, 8, 16),
                                 (5, 15, 30), (40, 15, 30)):
        delays = set(conflict_delay(conflicts) for _ in range(200))
        assert min(delays) >= low and max(delays) <= high
        if high - low > 1:
            assert len(delays) > 1  # jittered


def test_conflicts_shrink_the_chunk_to_one_then_rotate(queue):
    objs = [uid() for _ in range(4)]
    slots = [1, 2, 3, 4]
    task = queue.add(new_task(chunk_size=3, uids=objs, slots=slots))
    now = NOW
    sizes = []
    for attempt in range(1, 5):
        now += 40
        queue.pop(C1, now=now)
        task = lose_conflict(queue, task.task_uid, attempt, now)
        sizes.append(task.chunk_size)
    assert sizes == [1, 1, 1, 1]
    # the 2nd, 3rd and 4th conflicts at chunk size 1 moved the first object to the end
    assert task.uids == objs[3:] + objs[:3]
    assert task.slots == slots[3:] + slots[:3]
    assert task.conflicts == 4 and task.conflict_since == NOW + 40
    check_invariants(queue)


def test_chunk_size_zero_shrinks_from_all_uids(queue):
    task = queue.add(new_task(chunk_size=0, uids=[uid() for _ in range(6)]))
    queue.pop(C1, now=NOW + 1)
    assert lose_conflict(queue, task.task_uid, 1, NOW + 2).chunk_size == 3


def test_conflicts_fail_after_the_deadline_naming_the_object(queue):
    task = queue.add(new_task(retries=3, uids=[uid()]))
    queue.pop(C1, now=NOW + 1)
    lose_conflict(queue, task.task_uid, 1, NOW + 10, deadline=100)
    queue.pop(C1, now=NOW + 60)
    lose_conflict(queue, task.task_uid, 2, NOW + 60, deadline=100)
    queue.pop(C1, now=NOW + 110)
    failed = lose_conflict(queue, task.task_uid, 3, NOW + 110, deadline=100)
    assert failed.status == "failed" and failed.retries == 3
    assert failed.error_message.startswith("Gave up after 3 conflicts in 100 s")
    assert "/senaite/x" in failed.error_message
    assert queue.counts()["failed"] == 1 and queue.counts()["queued"] == 0
    check_invariants(queue)


def test_a_real_error_ends_a_run_of_conflicts(queue):
    task = queue.add(new_task(retries=3))
    queue.pop(C1, now=NOW + 1)
    lose_conflict(queue, task.task_uid, 1, NOW + 2)
    queue.pop(C1, now=NOW + 10)
    failed = queue.fail(task.task_uid, 2, "Boom!", now=NOW + 11)
    assert (failed.status, failed.retries, failed.conflicts) == ("queued", 2, 0)
    assert failed.conflict_since is None


def test_conflict_report_is_lease_checked(queue):
    task = queue.add(new_task())
    with pytest.raises(TaskStatusError):
        lose_conflict(queue, task.task_uid, 0 + 1, NOW + 2)
    queue.pop(C1, now=NOW + 1)
    with pytest.raises(StaleAckError):
        lose_conflict(queue, task.task_uid, 2, NOW + 2)
    with pytest.raises(InvalidArgumentError):
        queue.conflict(task.task_uid, 1, "x", deadline=-1)
    assert queue.get_task(task.task_uid).status == "running"


# -- requeue, delete ------------------------------------------------------

def test_requeue_of_a_running_task_is_refused(queue):
    task = queue.add(new_task())
    queue.pop(C1, now=NOW + 1)
    before = snapshot(queue)
    with pytest.raises(TaskStatusError) as exc:
        queue.requeue(task.task_uid, 3)
    assert exc.value.status == "running"
    assert snapshot(queue) == before


def test_requeue_of_a_failed_task(queue):
    task = queue.add(new_task(retries=0, max_seconds=30, chunk_size=4))
    queue.pop(C1, now=NOW + 1)
    failed = queue.timeout(task.task_uid, 1, now=NOW + 40)
    requeued = queue.requeue(task.task_uid, 3)
    assert (requeued.status, requeued.retries) == ("queued", 3)
    keep = ("created", "delay", "chunk_size", "max_seconds", "error_message",
            "attempt")
    assert [requeued.get(k) for k in keep] == [failed.get(k) for k in keep]
    assert queue.counts()["failed"] == 0 and queue.counts()["queued"] == 1
    assert queue.pop(C1, now=NOW + 100).attempt == 2


def test_requeue_of_a_queued_task_resets_retries(queue):
    task = queue.add(new_task(retries=1))
    assert queue.requeue(task.task_uid, retries=5).retries == 5
    assert queue.counts()["queued"] == 1
    with pytest.raises(InvalidArgumentError):
        queue.requeue(task.task_uid, retries=-1)
    with pytest.raises(TaskNotFoundError):
        queue.requeue(uid())


@pytest.mark.parametrize("status", ["queued", "running", "failed"])
def test_delete_in_any_status(queue, status):
    obj = uid()
    task = queue.add(new_task(uids=[obj], retries=0))
    if status != "queued":
        queue.pop(C1, now=NOW + 1)
    if status == "failed":
        queue.fail(task.task_uid, 1, now=NOW + 2)
    deleted = queue.delete(task.task_uid)
    assert deleted.task_uid == task.task_uid and deleted.status is None
    assert not queue.has_task(task.task_uid)
    assert not queue.is_queued(obj, status=ALL)
    assert queue.counts() == {"queued": 0, "running": 0, "failed": 0,
                              "done": 0}
    with pytest.raises(TaskNotFoundError):
        queue.delete(task.task_uid)


# -- queries --------------------------------------------------------------

def test_getters_return_copies(queue):
    task = queue.add(new_task(uids=[uid()]))
    copy = queue.get_task(task.task_uid)
    copy.uids.append(uid())
    copy.priority = 1
    assert queue.get_task(task.task_uid) == task


def test_get_tasks_by_status(queue):
    queued = queue.add(new_task(created=NOW + 5))
    running = queue.add(new_task(created=NOW))
    queue.pop(C1, now=NOW + 10)
    assert queue.get_tasks() == [queue.get_task(queued.task_uid),
                                 queue.get_task(running.task_uid)]
    assert queue.get_tasks("running") == [queue.get_task(running.task_uid)]
    assert queue.get_tasks(("queued",)) == [queue.get_task(queued.task_uid)]
    assert queue.get_tasks("failed") == []
    for bad in ("done", ["queued", "x"], 5):
        with pytest.raises(InvalidArgumentError):
            queue.get_tasks(bad)


def test_object_uid_queries(queue):
    obj, other = uid(), uid()
    ctx = uid()
    a = queue.add(new_task("task_a", ctx, uids=[obj, other]))
    b = queue.add(new_task("task_b", uid(), uids=[obj]))
    assert queue.is_queued(obj) and queue.is_queued(ctx)
    assert not queue.is_queued(uid())
    assert sorted(t.task_uid for t in queue.get_tasks_for(obj)) == sorted(
        [a.task_uid, b.task_uid])
    assert [t.task_uid for t in queue.get_tasks_for(obj, name="task_b")] == [
        b.task_uid]
    assert queue.get_tasks_for(obj, status="failed") == []
    assert set(queue.get_uids()) == set([obj, other, ctx, b.context_uid])
    with pytest.raises(InvalidArgumentError):
        queue.is_queued("not-a-uid")


def test_portal_context_is_indexed(queue):
    task = queue.add(new_task(context_uid="0", path="/senaite"))
    assert queue.is_queued("0")
    assert queue.get_tasks_for("0") == [task]


def test_search(queue):
    obj = uid()
    a = queue.add(new_task("task_a", uids=[obj], username="analyst",
                           tag="x"))
    queue.add(new_task("task_b", uids=[obj], username="labman"))
    assert queue.search(username="analyst") == [a]
    assert queue.search(uid=obj, name="task_a") == [a]
    assert queue.search(tag="x") == [a]
    assert len(queue.search()) == 2
    assert queue.search(status="failed") == []


def test_statistics(queue):
    first = queue.add(new_task(created=NOW - 50))
    queue.add(new_task(created=NOW - 10, priority=0))
    assert queue.statistics(now=NOW)["oldest_queued"] == NOW - 50
    queue.pop(C1, now=NOW)  # the priority-0 one
    queue.pop(C2, now=NOW)
    queue.done(first.task_uid, 1, now=NOW)
    stats = queue.statistics(now=NOW + 1)
    assert stats["consumers"] == {C1: NOW, C2: NOW}
    assert (stats["queued"], stats["running"], stats["done"]) == (0, 1, 1)
    assert stats["oldest_queued"] is None
    assert stats["done_last_hour"] == 1
    assert stats["done_per_minute"] == pytest.approx(1 / 60.0)
    assert queue.statistics(now=NOW + 3600)["done_last_hour"] == 0


def test_done_statistics_stay_bounded(queue):
    for minute in range(200):
        task = queue.add(new_task())
        queue.pop(C1, now=NOW + minute * 60)
        queue.done(task.task_uid, 1, now=NOW + minute * 60)
    assert len(queue._done_minutes) <= 61
    stats = queue.statistics(now=NOW + 199 * 60)
    assert stats["done_last_hour"] == 60 and stats["done"] == 200


def test_len_and_is_empty(queue):
    assert queue.is_empty() and len(queue) == 0
    task = queue.add(new_task(retries=0))
    queue.add(new_task())
    queue.pop(C1, now=NOW + 1)
    assert len(queue) == 2
    queue.fail(task.task_uid, 1, now=NOW + 2)
    assert len(queue) == 1 and not queue.is_empty()


# -- secret ---------------------------------------------------------------

def test_secret_is_a_fernet_key_that_can_be_rotated():
    queue = TaskQueue()
    key = queue.get_secret()
    token = mint(key, "admin", "POST", "/pop")
    assert verify(key, token, "POST", "/pop") == "admin"
    queue.rotate_secret()
    assert queue.get_secret() != key
    assert TaskQueue().get_secret() != queue.get_secret()


# -- receipts ------------------------------------------------------------

def test_a_failure_after_a_committed_receipt_is_done(queue):
    task = queue.add(new_task(retries=3))
    queue.pop(C1, now=NOW)
    queue.receipt(task.task_uid, 1)
    before = queue.counts()["done"]
    done = queue.fail(task.task_uid, 1, "ClientDisconnected", now=NOW + 1)
    assert done.status is None and done.finished == NOW + 1
    assert queue.counts()["done"] == before + 1 and len(queue) == 0
    check_invariants(queue)


def test_a_timeout_or_a_purge_after_a_receipt_is_done(queue):
    first = queue.add(new_task(max_seconds=30))
    second = queue.add(new_task(max_seconds=30))
    queue.pop(C1, now=NOW)
    queue.pop(C2, now=NOW)
    queue.receipt(first.task_uid, 1)
    queue.receipt(second.task_uid, 1)
    assert queue.timeout(first.task_uid, 1, now=NOW + 31).status is None
    assert [task.status for task in queue.purge(now=NOW + 31)] == [None]
    assert queue.counts()["done"] == 2 and len(queue) == 0
    check_invariants(queue)


def test_a_receipt_of_a_lease_that_is_over_is_refused(queue):
    task = queue.add(new_task(retries=3))
    queue.pop(C1, now=NOW)
    queue.timeout(task.task_uid, 1, now=NOW + 1)
    before = snapshot(queue)
    with pytest.raises(TaskStatusError):
        queue.receipt(task.task_uid, 1)
    queue.pop(C1, now=NOW + 100)
    with pytest.raises(StaleAckError):
        queue.receipt(task.task_uid, 1)
    with pytest.raises(TaskNotFoundError):
        queue.receipt(uid(99), 1)
    # the receipt of attempt 1 counts for nothing once attempt 2 runs
    retried = queue.fail(task.task_uid, 2, "Error", now=NOW + 101)
    assert (retried.status, retried.retries) == ("queued", 1)
    assert snapshot(queue)[1]["done"] == before[1]["done"]
    check_invariants(queue)


def test_a_receipt_writes_the_task_record_only(filestorage_db):
    """The fence writes nothing but the task's own record: it conflicts with
    the transitions of that task, and with nothing else."""
    with filestorage_db.transaction() as conn:
        queue = conn.root()["queue"]
        for i in range(3):
            queue.add(new_task(created=NOW + i))
        task = queue.pop(C1, now=NOW + 10)
    conn = open_connection(filestorage_db)
    try:
        conn.transaction_manager.begin()
        queue = conn.root()["queue"]
        record = queue._records[task.task_uid]
        queue.receipt(task.task_uid, task.attempt)
        assert conn._registered_objects == [record]
        conn.transaction_manager.abort()
    finally:
        conn.close()


def test_a_consumer_that_pops_again_after_committing_counts_its_lease_done(queue):
    task = queue.add(new_task(retries=3))
    other = queue.add(new_task(created=NOW + 5))
    queue.pop(C1, now=NOW + 10)
    queue.receipt(task.task_uid, 1)
    # the consumer died before its report; back, it pops again
    popped = queue.pop(C1, now=NOW + 11)
    assert popped.task_uid == other.task_uid
    assert queue.get_task(task.task_uid) is None
    assert queue.counts()["done"] == 1
    check_invariants(queue)


def test_a_conflict_reported_after_a_committed_receipt_is_done(queue):
    task = queue.add(new_task())
    queue.pop(C1, now=NOW)
    queue.receipt(task.task_uid, 1)
    assert queue.conflict(task.task_uid, 1, "ConflictError", now=NOW + 1).status is None
    assert queue.counts()["done"] == 1 and len(queue) == 0
    check_invariants(queue)


# -- windows: several leases at once, released when not started --------------

def test_lease_hands_out_a_window_in_pop_order(queue):
    tasks = [queue.add(new_task(created=NOW + i)) for i in range(5)]
    window = queue.lease(C1, 3, now=NOW + 10)
    assert [t.task_uid for t in window] == [t.task_uid for t in tasks[:3]]
    assert all(t.status == "running" and t.attempt == 1 and t.consumer_id == C1
               for t in window)
    assert queue.counts()["running"] == 3 and queue.counts()["queued"] == 2
    check_invariants(queue)


def test_a_window_takes_tasks_of_one_path_but_others_do_not(queue):
    path = "/senaite/clients/client-1/W-1"
    for i in range(3):
        queue.add(new_task("task_x", path=path, created=NOW + i))
    other = queue.add(new_task("task_x", path="/senaite/clients/client-2/W-1",
                               created=NOW + 5))
    window = queue.lease(C1, 2, now=NOW + 10)
    assert len(window) == 2 and all(t.context_path == path for t in window)
    # the third of that path waits for C1: C2 gets the other client's task only
    assert [t.task_uid for t in queue.lease(C2, 5, now=NOW + 10)] == [other.task_uid]


def test_max_consumers_counts_consumers_not_leases(queue):
    for i in range(6):
        queue.add(new_task(created=NOW + i))
    assert len(queue.lease(C1, 3, now=NOW + 10, max_consumers=2)) == 3
    assert len(queue.lease(C2, 2, now=NOW + 10, max_consumers=2)) == 2
    assert queue.working_consumers() == set([C1, C2])
    assert queue.lease("http://localhost:8093", 1, now=NOW + 10, max_consumers=2) == []


def test_leasing_again_gives_up_the_whole_previous_window(queue):
    for i in range(3):
        queue.add(new_task(created=NOW + i))
    first, second, third = queue.lease(C1, 3, now=NOW + 10)
    queue.receipt(first.task_uid, 1)
    # the consumer died in the middle of its window: its next lease ends the old one
    assert queue.lease(C1, 3, now=NOW + 20) == []
    assert queue.get_task(first.task_uid) is None
    assert queue.counts()["done"] == 1
    # the others failed, and are queued again after their retry delay
    window = queue.lease(C1, 3, now=NOW + 30)
    assert sorted(t.task_uid for t in window) == sorted([second.task_uid, third.task_uid])
    assert all(t.attempt == 2 and t.retries == second.retries - 1 for t in window)
    check_invariants(queue)


def test_release_puts_an_unstarted_lease_back_in_its_place(queue):
    tasks = [queue.add(new_task(created=NOW + i)) for i in range(3)]
    window = queue.lease(C1, 3, now=NOW + 10)
    before = queue.get_task(window[2].task_uid)
    released = queue.release(window[2].task_uid, 1, now=NOW + 11)
    assert released.status == "queued" and released.retries == before.retries
    assert released.created == before.created and released.error_message is None
    queue.done(window[0].task_uid, 1, now=NOW + 11)
    queue.done(window[1].task_uid, 1, now=NOW + 11)
    again = queue.lease(C2, 3, now=NOW + 12)
    assert [t.task_uid for t in again] == [tasks[2].task_uid]
    assert again[0].attempt == 2
    check_invariants(queue)


def test_release_refusals_and_receipt(queue):
    queue.add(new_task())
    task = queue.lease(C1, 1, now=NOW + 10)[0]
    with pytest.raises(StaleAckError):
        queue.release(task.task_uid, 2)
    queue.receipt(task.task_uid, 1)
    # its work was committed after all: done, not queued again
    assert queue.release(task.task_uid, 1).status is None
    with pytest.raises(TaskNotFoundError):
        queue.release(task.task_uid, 1)
    assert queue.counts()["done"] == 1


def test_lease_validates_max_tasks(queue):
    for bad in (0, -1, 1.5, None):
        with pytest.raises(InvalidArgumentError):
            queue.lease(C1, bad)
