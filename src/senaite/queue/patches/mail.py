# -*- coding: utf-8 -*-
"""Products.MailHost 4.13 ``MailBase._send``: the mail of a consumer's run goes out when the
task's transaction commits.

SENAITE sends its e-mails at once (``immediate=True``), e.g. the notices of invalidated
samples: a task that lost a conflict sent them again when it ran again, and a task whose
work was rolled back had sent them anyway. MailHost asks no adapter, utility or event before
sending, hence this patch. In a consumer's run an immediate message joins the transaction as
``HeldMail`` instead; everywhere else, and for MailHost's own transactional delivery (not
immediate), nothing changes.

zope.sendmail 5.3's data manager, which ``HeldMail`` is, supports savepoints: its own are
no-ops, and the transaction aborts and drops one that joined after a savepoint when that
savepoint is rolled back. A task run behind a savepoint that is rolled back therefore sends
nothing, and mail sent before that savepoint is kept.
"""

from itertools import count

import transaction
from senaite.queue import api
from zope.sendmail.delivery import MailDataManager

# Numbers the held messages, so that they go out in the order they were sent
SEQUENCE = count()


class HeldMail(MailDataManager):
    """A message MailHost sends at once when the transaction has committed; dropped when it
    aborts. A failure to send is logged: it does not undo the committed work."""

    def __init__(self, *args, **kw):
        super(HeldMail, self).__init__(*args, **kw)
        self.number = next(SEQUENCE)

    def sortKey(self):
        """After the database, in the order sent: the database's commit is finished, and its
        lock freed, when the messages go out."""
        return "~senaite.queue.mail:{:020d}".format(self.number)


def _send(self, mfrom, mto, messageText, immediate=False):
    """Replaces ``MailBase._send``: in a consumer's run, an immediate message waits for the
    commit. Its mailer is made now, as MailHost makes it for an immediate message (Plone's
    reads the SMTP settings from the registry): nothing is read from the database while the
    transaction finishes."""
    if not immediate or not api.is_consumer_run():
        return self._old__send(mfrom, mto, messageText, immediate)
    mailer = self._makeMailer()
    transaction.get().join(HeldMail(mailer.send, args=(mfrom, mto, messageText)))
