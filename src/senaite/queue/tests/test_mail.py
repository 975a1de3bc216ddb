# -*- coding: utf-8 -*-
"""Mail sent at once (``immediate``) in a consumer's run goes out when the task's transaction
commits, once, and not when it aborts or its savepoint is rolled back (patches/mail.py);
elsewhere it goes out at once, as before. The site's MailHost sends to a real SMTP server."""

import email
import unittest

import transaction
from bika.lims import api as capi
from plone import api as ploneapi
from plone.app.testing import TEST_USER_ID
from plone.app.testing import setRoles
from senaite.queue import api
from senaite.queue.interfaces import ISenaiteQueueLayer
from senaite.queue.testing import SENAITE_QUEUE_LAB_TESTING
from senaite.queue.testing import SENAITE_QUEUE_TESTING
from senaite.queue.tests.adapters import get_hot
from senaite.queue.tests.smtp import SMTPServer
from senaite.queue.tests.utils import CONSUMER
from senaite.queue.tests.utils import Lab
from senaite.queue.tests.utils import analyses_of
from senaite.queue.tests.utils import clean_request
from senaite.queue.tests.utils import disable_queue
from senaite.queue.tests.utils import edit_elsewhere
from senaite.queue.tests.utils import enable_queue
from senaite.queue.tests.utils import lease_next
from senaite.queue.tests.utils import press
from senaite.queue.tests.utils import run_leased
from senaite.queue.tests.utils import run_window
from senaite.queue.tests.utils import set_setting
from senaite.queue.tests.utils import states
from ZODB.POSException import ConflictError
from zope.interface import alsoProvides

HOT = "{:032x}".format(1)
COLD = "{:032x}".format(2)
THIRD = "{:032x}".format(3)


def subjects(messages):
    return [email.message_from_string(message)["Subject"] for message in messages]


class MailTestCase(unittest.TestCase):
    """The site's MailHost sends to ``self.smtp``; the test user is a lab manager."""

    def setUp(self):
        self.portal = self.layer["portal"]
        self.request = self.layer["request"]
        alsoProvides(self.request, ISenaiteQueueLayer)
        setRoles(self.portal, TEST_USER_ID, ["LabManager", "Manager"])
        self.smtp = SMTPServer().start()
        self.addCleanup(self.smtp.stop)
        # Plone's SMTP settings, which its mailer reads
        ploneapi.portal.set_registry_record("plone.smtp_host", u"127.0.0.1")
        ploneapi.portal.set_registry_record("plone.smtp_port", self.smtp.port)
        transaction.commit()


class TestConsumerRun(MailTestCase):

    layer = SENAITE_QUEUE_TESTING

    def leased(self, *uids, **kw):
        """A task of ``queue_test_mail`` for the uids, leased by a consumer of its own."""
        api.add_task("queue_test_mail", self.portal, uids=list(uids), **kw)
        transaction.commit()
        self.consumers = getattr(self, "consumers", 0) + 1
        return lease_next("{}{}".format(CONSUMER, self.consumers))

    def test_a_run_that_loses_a_conflict_sends_its_mail_once(self):
        hot = get_hot(HOT)
        task = self.leased(HOT)
        # a user's edit of the record the task writes commits first
        transaction.get().addBeforeCommitHook(edit_elsewhere, args=(hot, ))
        with self.assertRaises(ConflictError):
            run_leased(task)
        self.assertEqual(self.smtp.messages, [])
        # ZPublisher runs the process request again: the same lease, and this time it commits
        run_leased(task)
        self.assertEqual(subjects(self.smtp.messages), [HOT])
        self.assertEqual(get_hot(HOT)["mails"], 1)

    def test_a_run_that_fails_sends_nothing(self):
        task = self.leased(HOT, COLD, fail_at=COLD)
        with self.assertRaises(RuntimeError):
            run_leased(task)
        self.assertEqual(self.smtp.messages, [])
        transaction.commit()
        self.assertEqual(self.smtp.messages, [])

    def test_a_run_aborted_sends_nothing(self):
        task = self.leased(HOT)
        outcomes = run_window([task], self.request)[0]
        self.assertEqual([outcome.outcome for outcome in outcomes], ["done"])
        clean_request(self.request)
        transaction.abort()
        self.assertEqual(self.smtp.messages, [])

    def test_a_task_rolled_back_in_its_window_sends_nothing(self):
        """A window of three tasks, each behind its savepoint: the mail of the one rolled
        back is dropped, the mail of the others goes out at the commit."""
        for uid, kw in ((HOT, {}), (COLD, {"fail_at": COLD}), (THIRD, {})):
            api.add_task("queue_test_mail", self.portal, uids=[uid], **kw)
        transaction.commit()
        window = api.get_task_queue().lease(CONSUMER, 3)
        transaction.commit()
        outcomes = run_window(window, self.request)[0]
        self.assertEqual([outcome.outcome for outcome in outcomes], ["done", "fail", "done"])
        self.assertEqual(self.smtp.messages, [])
        transaction.commit()
        self.assertEqual(subjects(self.smtp.messages), [HOT, THIRD])

    def test_mail_for_transactional_delivery_is_left_to_mailhost(self):
        task = self.leased(HOT, later="queued")
        run_window([task], self.request)
        clean_request(self.request)
        self.assertEqual(self.smtp.messages, [])
        transaction.commit()
        self.assertEqual(sorted(subjects(self.smtp.messages)), sorted([HOT, "queued"]))


class TestOutsideConsumerRuns(MailTestCase):

    layer = SENAITE_QUEUE_TESTING

    def test_immediate_mail_goes_out_at_once(self):
        capi.get_tool("MailHost").send("Subject: now\n\nAt once", mto="lab@example.com",
                                       mfrom="lab@example.com", immediate=True)
        self.assertEqual(subjects(self.smtp.messages), ["now"])
        transaction.abort()
        self.assertEqual(subjects(self.smtp.messages), ["now"])

    def test_a_stale_marker_is_no_consumer_run(self):
        """The marker of a task that is not running (here, a form value) counts for nothing."""
        task = self.leased_and_done()
        self.request.set(api.CONSUMER_MARKER, task.task_uid)
        self.addCleanup(clean_request, self.request)
        capi.get_tool("MailHost").send("Subject: now\n\nAt once", mto="lab@example.com",
                                       mfrom="lab@example.com", immediate=True)
        self.assertEqual(subjects(self.smtp.messages), ["now"])

    def leased_and_done(self):
        api.add_task("queue_test_record", self.portal, uids=[HOT])
        transaction.commit()
        task = lease_next()
        api.get_task_queue().done(task.task_uid, task.attempt)
        transaction.commit()
        return task


class TestInvalidation(MailTestCase):
    """SENAITE's invalidation notice, sent by ``task_action_invalidate``."""

    layer = SENAITE_QUEUE_LAB_TESTING

    def test_sent_once_when_the_run_loses_a_conflict_once(self):
        lab = Lab(self.portal)
        lab.contact.setEmailAddress("rita@example.com")
        self.portal.bika_setup.laboratory.setEmailAddress("lab@example.com")
        self.portal.bika_setup.setNotifyOnSampleInvalidation(True)
        self.portal.bika_setup.setSelfVerificationEnabled(True)
        disable_queue()
        samples = lab.samples(2, services=lab.services[:1])
        for analysis in analyses_of(samples):
            analysis.setResult(12)
        press(lab.client, "submit", analyses_of(samples))
        press(lab.client, "verify", analyses_of(samples))
        self.assertEqual(states(samples), {"verified": 2})
        enable_queue(chunk_size=2)
        set_setting("sample_actions_threshold", 1)
        transaction.commit()
        press(lab.client, "invalidate", samples)
        task = lease_next()
        self.assertEqual(task.name, "task_action_invalidate")
        transaction.get().addBeforeCommitHook(edit_elsewhere, args=(samples[0], ))
        with self.assertRaises(ConflictError):
            run_leased(task)
        self.assertEqual(self.smtp.messages, [])
        run_leased(task)
        self.assertEqual(states(samples), {"invalid": 2})
        self.assertEqual(len(self.smtp.messages), 2)
        self.assertTrue(all("rita@example.com" in message for message in self.smtp.messages))
